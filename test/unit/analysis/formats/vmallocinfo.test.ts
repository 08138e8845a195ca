// /proc/vmallocinfo parser on every real capture.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseVmallocinfo } from '../../../../server/src/analysis/formats/vmallocinfo';
import { fixtureLines, fixturePath, fixtureText } from '../../../helpers/fixtures';

const DIR = 'vmallocinfo';
const files = () => fs.readdirSync(fixturePath(DIR)).filter((f) => f.endsWith('.txt')).sort();
const parse = (name: string) => parseVmallocinfo(fixtureLines(DIR, name));

describe('vmallocinfo parser on every sample', () => {
  for (const name of files()) {
    it(`${name}: one entry per "0x…-0x… size" range, tokens inside the lines`, () => {
      const text = fixtureText(DIR, name);
      const lines = fixtureLines(DIR, name);
      const r = parse(name);
      assert.equal(r.entries.length, (text.match(/-0x[0-9a-f]{8,16} /g) ?? []).length);
      for (const e of r.entries) {
        const l = lines[e.line];
        assert.equal(l.slice(e.addressRange.start.character, e.addressRange.end.character), `0x${e.start}-0x${e.end}`);
        assert.equal(l.slice(e.sizeRange.start.character, e.sizeRange.end.character), String(e.size));
      }
      for (const t of r.tokens) assert.ok(t.character + t.length <= lines[t.line].length);
    });
  }
});

describe('vmallocinfo details', () => {
  it('01: ioremap and vmalloc entries, vpages, the author\'s "... *total* 674 lines ..." elision', () => {
    const r = parse('vmallocinfo_01_x86_64_4.x_docker_host_elided.txt');
    const hpet = r.entries[0];
    assert.deepEqual([hpet.callerKey, hpet.size, hpet.kind, hpet.phys, hpet.pages], ['hpet_enable', 8192, 'ioremap', '00000000fed00000', undefined]);
    const big = r.entries.find((e) => e.size === 33558528)!;
    assert.deepEqual([big.callerKey, big.pages, big.kind, big.flags.map((f) => f.word), big.numa.map((n) => [n.node, n.pages])], ['alloc_large_system_hash', 8192, 'vmalloc', ['vmalloc', 'vpages'], [[0, 8192]]]);
    assert.equal(r.entries.filter((e) => e.kind === 'ioremap').length, 12);
    assert.equal(r.entries.filter((e) => e.callerKey === 'load_module').length, 5);
    assert.deepEqual(r.elisions, [20]);
    assert.equal(r.pageSize, 4096);
    assert.equal(r.dumps.length, 1, 'the elision does not start a new dump');
  });

  it('03: five entries glued on one line (newlines lost), all from [ebtables]', () => {
    const r = parse('vmallocinfo_03_x86_64_ebtables_newlines_collapsed.txt');
    assert.deepEqual(r.entries.map((e) => [e.line, e.callerKey, e.module, e.pages, e.numa[0]?.pages]), Array.from({ length: 5 }, () => [0, 'ebt_register_table', 'ebtables', 1, 1]));
    assert.deepEqual(r.entries.map((e) => e.caller?.offset), [0xa2, 0xb7, 0xb7, 0xa2, 0xb7]);
    assert.ok(r.problems.some((p) => p.code === 'collapsed-lines'));
  });

  it('05: vmap, ioremap and vmalloc kinds; [vmwgfx] module', () => {
    const r = parse('vmallocinfo_05_x86_64_5.x_vmware_vm_jc_fixture_head.txt');
    assert.deepEqual([r.entries[0].callerKey, r.entries[0].kind], ['map_irq_stack', 'vmap']);
    assert.equal(r.entries.filter((e) => e.callerKey === 'dup_task_struct').length, 20);
    assert.equal(r.entries.find((e) => e.module)?.module, 'vmwgfx');
  });

  it('07: 32-bit addresses, phys= without 0x, unpurged vm_area and vm_map_ram lines, "[..]" elisions', () => {
    const r = parse('vmallocinfo_07_arm32_4.x_ftl_kbox_unpurged_fragments.txt');
    assert.deepEqual(r.entries.map((e) => [e.start, e.callerKey, e.kind]), [
      ['ec79b000', 'ftl_add_mtd', 'vmalloc'],
      ['ec800000', 'kbox_proc_mem_write', 'ioremap'],
      ['ece7c000', 'unpurged vm_area', 'unpurged'],
      ['ece7e000', 'vm_map_ram', 'vm_map_ram'],
      ['f0099000', 'vm_map_ram', 'vm_map_ram'],
    ]);
    assert.equal(r.entries[1].phys, '8b520000');
    assert.deepEqual(r.elisions, [0, 3]);
  });

  it('09 (generated, 6.18, hashed addresses): 855 unpurged areas', () => {
    const r = parse('vmallocinfo_09_x86_64_6.18_generated_socketpair_hashed.txt');
    assert.equal(r.entries.filter((e) => e.kind === 'unpurged').length, 855);
    assert.equal(r.dumps.length, 1);
  });

  it('two dumps in one capture: split at the separator line and when an area shows up again', () => {
    const lines = fixtureLines(DIR, 'vmallocinfo_05_x86_64_5.x_vmware_vm_jc_fixture_head.txt').filter((l) => l !== '');
    const bySeparator = parseVmallocinfo([...lines, 'Mon Jun 30 08:00:01 CEST 2025', ...lines]);
    assert.deepEqual(bySeparator.dumps.map((d) => [d.entries, d.separatorLine]), [[50, undefined], [50, 50]]);
    const byRepeat = parseVmallocinfo([...lines, ...lines]);
    assert.deepEqual(byRepeat.dumps.map((d) => d.entries), [50, 50]);
  });

  it('reports a capture without entries', () => {
    const r = parseVmallocinfo(['cat: /proc/vmallocinfo: Permission denied']);
    assert.equal(r.problems.at(-1)?.code, 'no-records');
  });
});
