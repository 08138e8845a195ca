// Every capture of the issue-7 formats is recognised by content: by the CLI's head scan
// (registry signatures) and, where its first line says so, by VS Code's `firstLine`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { detectFormat } from '../../../../server/src/analysis/formats/registry';
import { REPO_ROOT, fixtureLines, fixturePath } from '../../../helpers/fixtures';

const DIRS: Record<string, string> = { 'slub-debug': 'slub-debug', vmallocinfo: 'vmallocinfo', 'page-owner': 'page-owner', allocinfo: 'allocinfo', 'bcc-memleak': 'bcc-memleak' };
const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

describe('issue-7 formats are detected by content', () => {
  for (const [id, dir] of Object.entries(DIRS)) {
    for (const name of fs.readdirSync(fixturePath(dir)).filter((f) => f.endsWith('.txt'))) {
      it(`${dir}/${name} → ${id}`, () => {
        const lines = fixtureLines(dir, name);
        const hit = lines.map((l) => detectFormat(l)).find((f) => f !== undefined);
        assert.equal(hit?.id, id);
      });
    }
  }

  it('package.json contributes each language with patterns, firstLine, grammar and activation', () => {
    for (const id of Object.keys(DIRS)) {
      const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === id);
      assert.ok(lang?.filenamePatterns?.length > 0 && lang.firstLine, id);
      assert.ok(pkg.contributes.grammars.some((g: { language: string; path: string }) => g.language === id && fs.existsSync(path.join(REPO_ROOT, g.path))), id);
      assert.ok(pkg.activationEvents.includes(`onLanguage:${id}`), id);
    }
    assert.ok(pkg.contributes.commands.some((c: { command: string; category: string }) => c.command === 'kleak.compareCaptures' && c.category === 'kleak'));
  });

  it('firstLine recognises captures whose first line announces them (and no other format\'s)', () => {
    const firstLine = (id: string) => new RegExp(pkg.contributes.languages.find((l: { id: string }) => l.id === id).firstLine);
    const expect: [string, string, string][] = [
      ['slub-debug', 'slub-debug', 'slub_debug_01_x86_5.4.44_trace_and_objects_remaining_dmesg.txt'],
      ['slub-debug', 'slub-debug', 'slub_debug_11_x86_64_amdgpu_poison_overwritten_mailwrapped.txt'],
      ['slub-debug', 'slub-debug', 'slub_alloc_traces_15_kernel_doc_examples.txt'],
      ['vmallocinfo', 'vmallocinfo', 'vmallocinfo_01_x86_64_4.x_docker_host_elided.txt'],
      ['page-owner', 'page-owner', 'page_owner_03_arm32_5.x_null_frame_linewrapped.txt'],
      ['page-owner', 'page-owner', 'page_owner_07_i386_2.6_original_patch_sorted_mask.txt'],
      ['allocinfo', 'allocinfo', 'allocinfo_01_x86_64_6.15_ice_rx_three_dumps_mailwrapped.txt'],
      ['allocinfo', 'allocinfo', 'allocinfo_07_handmade_full_format_two_dumps.txt'.replace('07_handmade_full_format_two_dumps', '03_x86_64_6.10_doc_example_numfmt_mailwrapped')],
      ['bcc-memleak', 'bcc-memleak', 'bcc_memleak_01_bcc_example_kernel_allocators_4.x.txt'],
      ['bcc-memleak', 'bcc-memleak', 'bcc_memleak_07_percpu_allocator_5.x_tabs.txt'],
      ['bcc-memleak', 'bcc-memleak', 'bcc_slabratetop_11_iovisor_example_4.x.txt'],
    ];
    for (const [id, dir, file] of expect) {
      const first = fixtureLines(dir, file)[0];
      assert.ok(firstLine(id).test(first), `${id} firstLine on ${file}: ${first}`);
      for (const other of pkg.contributes.languages.filter((l: { id: string; firstLine?: string }) => l.id !== id && l.firstLine)) {
        assert.ok(!new RegExp(other.firstLine).test(first), `${other.id} also claims ${file}`);
      }
    }
  });
});
