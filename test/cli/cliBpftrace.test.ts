// `kleak analyze` on bpftrace map output: detection by content, the documented JSON contract
// (records = map entries; suspects = stacks ranked by count, `transient`), the human summary.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fixturePath, fixturesIn } from '../helpers/fixtures';
import { kleak } from '../helpers/cli';


describe('kleak analyze on bpftrace map output', () => {
  it('every capture: detected by content, records = map entries, suspects ranked with 1-based lines', () => {
    const files = fixturesIn('bpftrace').map((f) => fixturePath('bpftrace', f));
    const r = kleak('analyze', '--json', ...files);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.length, files.length);
    out.forEach((rep: any, i: number) => {
      const lines = fs.readFileSync(files[i], 'utf8').split('\n');
      assert.deepEqual(Object.keys(rep).sort(), ['file', 'format', 'problems', 'records', 'suspects']);
      assert.equal(rep.format, 'bpftrace', files[i]);
      assert.equal(rep.records, lines.filter((l) => /^@\w*[[:]/.test(l)).length, path.basename(files[i]));
      rep.suspects.forEach((s: any, k: number) => {
        assert.equal(s.rank, k + 1);
        assert.equal(s.verdict, 'transient');
        assert.match(s.reason, /an allocation count, not memory left allocated\.$/);
        assert.ok(k === 0 || s.count <= rep.suspects[k - 1].count);
        assert.match(lines[s.line - 1], /^@\w*\[/);
        assert.equal(s.stack[0], s.site);
      });
      assert.deepEqual(rep.problems.filter((p: any) => p.severity === 'error' || p.severity === 'warning'), []);
    });
  });

  it('the filp stacks script\'s output: our opens lead, with their bytes; the human summary', () => {
    const file = fixturePath('bpftrace', 'bpftrace_local_01_filp_stacks_script_6.18.txt');
    const [rep] = JSON.parse(kleak('analyze', '--json', '--top', '2', file).stdout);
    assert.deepEqual(rep.suspects.map((s: any) => [s.site, s.count, s.bytes, s.stack.slice(0, 4).join(' < ')]), [
      ['alloc_empty_file', 20156, 3869952, 'alloc_empty_file < path_openat < do_filp_open < do_sys_openat2'],
      ['alloc_empty_file', 700, 134400, 'alloc_empty_file < path_openat < do_filp_open < do_open_execat'],
    ]);
    const human = kleak('analyze', '--top', '1', file);
    assert.equal(human.code, 0);
    // --top 1 of the 14 stacks: the headline says what the first holds of the total
    assert.match(human.stdout, /: bpftrace, 168 records, 3\.69 MiB in the top 1 of 14 suspects \(4\.15 MiB in all\)\n {2}#1 transient +20156 objects +3\.69 MiB {2}alloc_empty_file {2}\(line 17\)/);
  });

  it('--format bpftrace on a file that is not bpftrace output: no entries, said as a warning', () => {
    const [rep] = JSON.parse(kleak('analyze', '--json', '--format', 'bpftrace', fixturePath('bcc-memleak', 'bcc_memleak_01_bcc_example_kernel_allocators_4.x.txt')).stdout);
    assert.deepEqual([rep.format, rep.records, rep.suspects], ['bpftrace', 0, []]);
    assert.match(rep.problems[0].message, /No bpftrace map entries found/);
  });
});
