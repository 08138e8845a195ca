// The vmallocinfo view: aggregation by caller and by module, the summary, growth across dumps.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseVmallocinfo } from '../../../../server/src/analysis/formats/vmallocinfo';
import { vmallocinfoView } from '../../../../server/src/analysis/views/vmallocinfoView';
import { fixtureLines } from '../../../helpers/fixtures';

const DIR = 'vmallocinfo';
const viewOf = (lines: string[]) => vmallocinfoView(parseVmallocinfo(lines));

describe('vmallocinfo view', () => {
  it('05: callers aggregated and ranked by the memory they hold; kinds and module in the summary', () => {
    const lines = fixtureLines(DIR, 'vmallocinfo_05_x86_64_5.x_vmware_vm_jc_fixture_head.txt');
    const view = viewOf(lines);
    const dup = lines.filter((l) => l.includes('dup_task_struct'));
    const top = view.suspects[0];
    assert.deepEqual([top.site, top.count, top.bytes, top.verdict], ['dup_task_struct', dup.length, dup.length * 4 * 4096, 'possible-leak']);
    assert.match(top.reason, /kernel stacks of tasks/);
    const summary = view.findings.find((f) => f.code === 'summary')!;
    assert.match(summary.message, /^vmallocinfo: 50 areas; /);
    assert.match(summary.message, /Top callers: dup_task_struct \(20 areas, 320 KiB\)/);
    assert.match(summary.message, /Modules: \[vmwgfx\] 1 area, 8\.00 KiB/);
    const ioremaps = view.suspects.filter((s) => s.verdict === 'stable').map((s) => s.site);
    assert.ok(ioremaps.includes('acpi_os_map_iomem') && ioremaps.includes('hpet_enable'));
    assert.equal(view.outline.find((o) => o.name === 'dup_task_struct')?.children.length, 20);
    const modules = view.outline.find((o) => o.name === 'modules')!;
    assert.deepEqual(modules.children.map((m) => [m.name, m.detail]), [['[vmwgfx]', '1 area · 8.00 KiB · vmw_fb_init']]);
  });

  it('hovers explain sizes, pages and kinds', () => {
    const lines = fixtureLines(DIR, 'vmallocinfo_01_x86_64_4.x_docker_host_elided.txt');
    const view = viewOf(lines);
    const l = lines.findIndex((x) => x.includes('pages=8192'));
    assert.match(view.hover({ line: l, character: lines[l].indexOf('pages=') + 2 })!.contents, /8192 pages\*\* × 4\.00 KiB = 32\.0 MiB/);
    assert.match(view.hover({ line: l, character: lines[l].indexOf('vpages') + 1 })!.contents, /page array was itself vmalloc'd/);
    const io = lines.findIndex((x) => x.includes('ioremap'));
    assert.match(view.hover({ line: io, character: lines[io].indexOf(' ioremap') + 2 })!.contents, /device or firmware memory/);
    assert.match(view.hover({ line: 0, character: lines[0].indexOf('hpet_enable') + 2 })!.contents, /\*\*hpet\\_enable\*\*/);
  });

  it('unpurged vm_area and vm_map_ram are transient, ioremap stable', () => {
    const view = viewOf(fixtureLines(DIR, 'vmallocinfo_07_arm32_4.x_ftl_kbox_unpurged_fragments.txt'));
    assert.deepEqual(view.suspects.map((s) => [s.site, s.verdict]), [['ftl_add_mtd', 'possible-leak'], ['vm_map_ram', 'transient'], ['unpurged vm_area', 'transient'], ['kbox_proc_mem_write', 'stable']]);
  });

  it('two dumps: who grew, as a Warning on its first area in the last dump', () => {
    const dump = fixtureLines(DIR, 'vmallocinfo_05_x86_64_5.x_vmware_vm_jc_fixture_head.txt').filter((l) => l !== '');
    // The same machine later: three more kernel stacks (new areas past the last one).
    const later = [...dump, '0xffffb3c1c00ec000-0xffffb3c1c00f1000   20480 dup_task_struct+0x4a/0x1b0 pages=4 vmalloc N0=4', '0xffffb3c1c00f4000-0xffffb3c1c00f9000   20480 dup_task_struct+0x4a/0x1b0 pages=4 vmalloc N0=4', '0xffffb3c1c00fc000-0xffffb3c1c0101000   20480 dup_task_struct+0x4a/0x1b0 pages=4 vmalloc N0=4'];
    const lines = ['Mon Jun 30 08:00:01 CEST 2025', ...dump, 'Mon Jun 30 09:00:01 CEST 2025', ...later];
    const view = viewOf(lines);
    assert.equal(view.records, 103);
    const [g] = view.findings.filter((f) => f.code === 'vmalloc-growth');
    assert.match(g.message, /^dup_task_struct grew from 20 areas \(320 KiB\) to 23 areas \(368 KiB\) between the first and the last of 2 dumps/);
    assert.equal(lines[g.range.start.line].includes('dup_task_struct'), true);
    assert.ok(g.range.start.line > dump.length, 'in the last dump');
    assert.deepEqual([view.suspects[0].site, view.suspects[0].verdict], ['dup_task_struct', 'likely-leak']);
    assert.match(view.findings.find((f) => f.code === 'summary')!.message, /Grew since the first dump: dup_task_struct \(\+48\.0 KiB, \+3 areas\)/);
    assert.deepEqual(view.outline.map((o) => o.name), ['dump 1', 'dump 2', 'modules']);
    // One fold per dump, from its first area to its last (the date lines stay visible).
    assert.deepEqual(view.folds, [{ startLine: 1, endLine: 50 }, { startLine: 52, endLine: 104 }]);
    assert.equal(lines[104], later[later.length - 1]);
  });

  it('a single dump has nothing to fold', () => {
    assert.deepEqual(viewOf(fixtureLines(DIR, 'vmallocinfo_05_x86_64_5.x_vmware_vm_jc_fixture_head.txt')).folds, []);
  });
});
