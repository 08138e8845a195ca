// `kleak analyze` on slab/meminfo snapshot series: a series file, a folder, every sample.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixturePath } from '../helpers/fixtures';
import { SLAB_SERIES_DIR, generatedLines, generatedPath, snapshotFixtures } from '../helpers/slabFixtures';
import { kleak } from '../helpers/cli';
import { analyzeCaptureFile } from '../../server/src/analysis/captureFile';


function json(...args: string[]) {
  const r = kleak('analyze', '--json', ...args);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-cli-slab-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const verdictOf = (rep: { suspects: { site: string; verdict: string }[] }) => Object.fromEntries(rep.suspects.map((s) => [s.site, s.verdict]));

describe('kleak analyze on the socketpair slab series', () => {
  it('the slabinfo series file: records = snapshots, suspects = caches ranked by growth', () => {
    const [rep] = json(generatedPath('slabinfo-series.txt.gz'));
    assert.equal(rep.format, 'slabinfo');
    assert.equal(rep.records, 58);
    assert.deepEqual(rep.problems, []);
    assert.equal(rep.suspects.length, 235);
    const lines = generatedLines('slabinfo-series.txt.gz');
    for (const s of rep.suspects) {
      assert.deepEqual(Object.keys(s).sort(), ['bytes', 'count', 'line', 'rank', 'reason', 'site', 'stack', 'verdict']);
      assert.ok(['likely-leak', 'cache', 'stable'].includes(s.verdict));
      assert.ok(lines[s.line - 1].startsWith(`${s.site} `), `line ${s.line} is ${s.site}'s row`);
    }
    for (let i = 1; i < rep.suspects.length; i++) assert.ok(rep.suspects[i - 1].bytes >= rep.suspects[i].bytes, 'ranked by growth');
    const v = verdictOf(rep);
    assert.equal(v.signal_cache, 'likely-leak');
    assert.equal(v.sock_inode_cache, 'likely-leak');
    assert.equal(v.dentry, 'cache');
    assert.equal(v.buffer_head, 'stable');
    const sig = rep.suspects.find((s: { site: string }) => s.site === 'signal_cache');
    assert.equal(sig.bytes, 8257536);
    assert.match(sig.reason, /R² 1\.00/);
  });

  it('the folder: the same verdicts, meminfo merged, the files it set aside as problems, its vmallocinfo dump reported on its own', () => {
    const [rep, vmalloc, ...more] = json(SLAB_SERIES_DIR);
    assert.deepEqual(more, []);
    assert.deepEqual(vmalloc, json(generatedPath('vmallocinfo.txt'))[0], 'the vmallocinfo report, as for the file alone');
    assert.equal(rep.file, SLAB_SERIES_DIR);
    assert.equal(rep.format, 'slabinfo');
    assert.equal(rep.records, 58);
    assert.deepEqual(
      rep.suspects.slice(0, 6).map((s: { site: string; verdict: string }) => [s.site, s.verdict]),
      [['dentry', 'cache'], ['ext4_inode_cache', 'cache'], ['signal_cache', 'likely-leak'], ['sock_inode_cache', 'likely-leak'], ['proc_inode_cache', 'cache'], ['kmalloc-192', 'likely-leak']],
    );
    assert.deepEqual(rep.problems.map((p: { severity: string }) => p.severity), ['information', 'information']);
    assert.ok(rep.problems.some((p: { message: string }) => /vmallocinfo\.txt/.test(p.message)));
  });

  it('the meminfo and slabtop series', () => {
    const [mem, top] = json(generatedPath('meminfo-series.txt'), generatedPath('slabtop-series.txt'));
    assert.equal(mem.format, 'meminfo');
    assert.equal(mem.records, 58);
    assert.equal(verdictOf(mem).SUnreclaim, 'likely-leak');
    assert.equal(verdictOf(mem).SReclaimable, 'cache');
    assert.equal(top.format, 'slabtop');
    assert.equal(top.records, 58);
    assert.equal(verdictOf(top).signal_cache, 'likely-leak');
    assert.equal(verdictOf(top).dentry, 'cache');
  });

  it('human summary and --top', () => {
    const r = kleak('analyze', '--top', '3', generatedPath('slabinfo-series.txt.gz'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /slabinfo, 58 records/);
    assert.match(r.stdout, /#3 likely-leak .* signal_cache/);
    assert.doesNotMatch(r.stdout, /#4 /);
  });

  it('a recording killed mid-write: every complete snapshot read, the partial tail one warning', () => {
    const lines = generatedLines('slabinfo-series.txt.gz');
    const last = lines.map((l, i) => (/^[A-Z][a-z]{2} [A-Z]/.test(l) ? i : -1)).reduce((a, b) => Math.max(a, b));
    const f = path.join(tmp, 'slabinfo-killed.txt');
    fs.writeFileSync(f, [...lines.slice(0, last + 51), lines[last + 51].slice(0, 17)].join('\n'));
    const [rep] = json(f);
    assert.equal(rep.records, 57);
    assert.deepEqual(rep.problems.map((p: { line: number; severity: string }) => [p.line, p.severity]), [[last + 1, 'warning']]);
    assert.match(rep.problems[0].message, /last snapshot is cut short/);
    assert.equal(verdictOf(rep).signal_cache, 'likely-leak');
  });
});

describe('kleak analyze: what the human summary of a series says', () => {
  const mib = (ss: { bytes: number }[]) => ss.reduce((n, s) => n + s.bytes, 0) / 2 ** 20;

  it('the SUnreclaim suspect projects when it reaches MemTotal, in the same words as its diagnostic', async () => {
    const file = generatedPath('meminfo-series.txt');
    const [rep] = json(file);
    const su = rep.suspects.find((s: { site: string }) => s.site === 'SUnreclaim');
    assert.equal(su.verdict, 'likely-leak');
    // "MemTotal:       24684092 kB" (line 2 of the capture) is 23.5 GiB; SUnreclaim grows ~10 MiB a minute from 38712 kB
    const m = / At this rate it reaches MemTotal \(23\.5 GiB\) in ([\d.]+) h\.$/.exec(su.reason);
    assert.ok(m, su.reason);
    assert.ok(Number(m[1]) > 35 && Number(m[1]) < 50, m[0]);
    const r = await analyzeCaptureFile(file);
    assert.ok(r.ok);
    const diag = r.view.findings.find((f) => f.code === 'meminfo-growth' && f.message.startsWith('SUnreclaim:'));
    assert.ok(diag?.message.endsWith(m[0]), diag?.message);
    const human = kleak('analyze', file);
    assert.ok(human.stdout.split('\n').includes(`     ${su.reason}`), human.stdout);
  });

  it('the headline: growth of the top N, and the net growth over every suspect whatever --top', () => {
    const file = generatedPath('slabinfo-series.txt.gz');
    const [all] = json(file);
    assert.equal(all.suspects.length, 235);
    assert.ok(all.suspects.some((s: { bytes: number }) => s.bytes < 0), 'some caches shrink: the total is net');
    const headline = (...args: string[]) => {
      const r = kleak('analyze', ...args, file);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split('\n')[0].slice(file.length + 2);
    };
    const near = (text: string, want: number) => assert.ok(Math.abs(Number(text) - want) <= 0.05, `${text} MiB, expected ${want.toFixed(2)}`);
    const top = (n: number) => {
      const m = /^slabinfo, 58 records, 235 suspects; growth of the top (\d+): \+([\d.]+) MiB, net over all 235: \+([\d.]+) MiB$/.exec(headline('--top', String(n)));
      assert.ok(m, headline('--top', String(n)));
      assert.equal(Number(m[1]), n);
      near(m[2], mib(all.suspects.slice(0, n)));
      return { growth: m[2], net: m[3] };
    };
    const [t3, t10] = [top(3), top(10)];
    assert.notEqual(t3.growth, t10.growth, 'the top N growth changes with N');
    assert.equal(t3.net, t10.net, 'the net total does not');
    near(t3.net, mib(all.suspects));
    assert.equal(headline(), `slabinfo, 58 records, 235 suspects; net growth over all: +${t3.net} MiB`);
    // a single snapshot has no suspects; other formats keep "bytes in N suspects"
    assert.match(kleak('analyze', fixturePath('slabinfo', 'slabinfo_03_x86_64_5.x_ubuntu_vm_full_jc_fixture.txt')).stdout, /: slabinfo, 1 record, 0 suspects\n/);
  });
});

describe('kleak analyze on every slab/meminfo sample', () => {
  const expected: Record<string, [string, number]> = {
    slabinfo_03: ['slabinfo', 1],
    slabinfo_05: ['slabinfo', 3],
    slabinfo_11: ['slabinfo', 1],
    slabinfo_21: ['slabinfo', 4],
    slabinfo_22: ['slabinfo', 1],
    slabinfo_23: ['slabinfo', 1],
    slabinfo_01: ['slabtop', 1],
    slabinfo_07: ['slabtop', 2],
    slabinfo_09: ['slabtop', 1],
    meminfo_01: ['meminfo', 26],
    meminfo_03: ['meminfo', 1],
    meminfo_05: ['meminfo', 1],
    meminfo_07: ['meminfo', 1],
    meminfo_21: ['meminfo', 3],
  };
  it('detects each format from its content and counts its snapshots', () => {
    const files = snapshotFixtures().map(([d, f]) => fixturePath(d, f));
    const reps = json(...files);
    reps.forEach((rep: { file: string; format: string; records: number; suspects: unknown[]; problems: { message: string }[] }) => {
      const key = path.basename(rep.file).replace(/^((?:slabinfo|meminfo)_\d\d).*/, '$1');
      assert.deepEqual([rep.format, rep.records], expected[key], rep.file);
      if (rep.records === 1) {
        assert.deepEqual(rep.suspects, []);
        assert.ok(rep.problems.some((p) => /Only one snapshot/.test(p.message)));
      }
    });
  });

  it('a grep series of LowFree: 0 suspects, and the summary says why and what to record', () => {
    const r = kleak('analyze', fixturePath('meminfo', 'meminfo_01_arm32_lowfree_grep_series_leak.txt'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /: meminfo, 26 records, 0 suspects\n  input problems: 1 information\n    line 1: information: No slab cache or kernel-memory counter in this series \(it has LowFree;[^\n]* LowFree falls: −\d+ MiB[^\n]* Record \/proc\/meminfo whole, with \/proc\/slabinfo/);
  });

  it('a folder of evidence without snapshots: each capture reported on its own, as for the file alone', () => {
    const dir = path.join(tmp, 'evidence');
    fs.mkdirSync(dir);
    const kmemleak = fixturePath('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt');
    const slub = fixturePath('slub-debug', 'slub_debug_01_x86_5.4.44_trace_and_objects_remaining_dmesg.txt');
    fs.copyFileSync(kmemleak, path.join(dir, 'a-kmemleak.txt'));
    fs.copyFileSync(slub, path.join(dir, 'b-dmesg.txt'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello\n');
    const r = kleak('analyze', '--json', dir);
    assert.equal(r.code, 0, r.stderr);
    const reps = JSON.parse(r.stdout);
    assert.deepEqual(reps.map((x: { file: string }) => x.file), [path.join(dir, 'a-kmemleak.txt'), path.join(dir, 'b-dmesg.txt')]);
    const unnamed = (x: { file: string }) => ({ ...x, file: '' });
    assert.deepEqual(reps.map(unnamed), json(kmemleak, slub).map(unnamed));
    assert.equal(reps[0].format, 'kmemleak');
    assert.equal(reps[1].format, 'slub-debug');
  });

  it('a folder with no snapshot is refused with one line', () => {
    const dir = path.join(tmp, 'nothing');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello\n');
    const r = kleak('analyze', dir);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr.trim(), /^kleak: .*nothing: is a directory without slab or memory snapshots/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
});
