// The CLI as users run it: `node dist/cli.js analyze …` (dist/ is built by `npm test` first).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fixturePath, fixtureText, generatedPath, kmemleakFixtures } from '../helpers/fixtures';
import { kleak } from '../helpers/cli';


let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-cli-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('kleak analyze --json', () => {
  it('gives one object per file with the documented shape, on every real report', () => {
    const files = kmemleakFixtures().map((f) => fixturePath('kmemleak', f));
    const r = kleak('analyze', '--json', ...files);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.length, files.length);
    out.forEach((rep: any, i: number) => {
      assert.deepEqual(Object.keys(rep).sort(), ['file', 'format', 'problems', 'records', 'suspects']);
      assert.equal(rep.file, files[i]);
      assert.equal(rep.format, 'kmemleak');
      const headers = (fs.readFileSync(files[i], 'utf8').match(/unreferenced object 0x/g) ?? []).length;
      assert.equal(rep.records, headers);
      assert.equal(rep.suspects.reduce((n: number, s: any) => n + s.count, 0), headers);
      for (const s of rep.suspects) {
        assert.deepEqual(Object.keys(s).sort(), ['bytes', 'count', 'line', 'rank', 'reason', 'site', 'stack', 'verdict']);
        assert.ok(['likely-leak', 'possible-leak'].includes(s.verdict));
        const lines = fs.readFileSync(files[i], 'utf8').split('\n');
        assert.match(lines[s.line - 1], /unreferenced object/, 'suspect line is 1-based and points at its first object');
      }
      for (const p of rep.problems) assert.deepEqual(Object.keys(p).sort(), ['line', 'message', 'severity']);
    });
  });

  it('ranks kmemleak_03 as one likely leak in blk_iolatency_init', () => {
    const [rep] = JSON.parse(kleak('analyze', '--json', fixturePath('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt')).stdout);
    assert.deepEqual(
      rep.suspects.map((s: any) => [s.rank, s.verdict, s.count, s.bytes, s.site, s.line]),
      [[1, 'likely-leak', 3, 576, 'blk_iolatency_init', 1]],
    );
    assert.equal(rep.suspects[0].stack[0], 'blk_iolatency_init');
  });

  it('reports a truncated record as a problem at its line', () => {
    const [rep] = JSON.parse(kleak('analyze', '--json', fixturePath('kmemleak', 'kmemleak_07_mips_openwrt_kmodloader.txt')).stdout);
    assert.ok(rep.problems.some((p: any) => p.line === 26 && p.severity === 'warning' && /cut short/.test(p.message)));
  });

  it('--top limits suspects', () => {
    const [rep] = JSON.parse(kleak('analyze', '--json', '--top', '2', fixturePath('kmemleak', 'kmemleak_05_syzbot_vsock_crc_symbolized.txt')).stdout);
    assert.equal(rep.suspects.length, 2);
  });

  it('reads gzip-compressed captures', () => {
    const gz = path.join(tmp, 'kmemleak.txt.gz');
    fs.writeFileSync(gz, require('node:zlib').gzipSync(fixtureText('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt')));
    const [rep] = JSON.parse(kleak('analyze', '--json', gz).stdout);
    assert.equal(rep.records, 3);
  });

  it('detects a report buried in dmesg after other lines', () => {
    const f = path.join(tmp, 'dmesg.txt');
    const noise = Array.from({ length: 300 }, (_, i) => `[    ${i}.000000] usb 1-1: event ${i}`);
    const report = fixtureText('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt').split('\n').map((l) => `[ 2272.000000] ${l}`);
    fs.writeFileSync(f, [...noise, ...report].join('\n'));
    const [rep] = JSON.parse(kleak('analyze', '--json', f).stdout);
    assert.equal(rep.records, 3);
    assert.equal(rep.suspects[0].line, 301); // 300 lines of noise, then the first header
  });
});

describe('kleak analyze --fail-on (gating a CI job)', () => {
  const KMEMLEAK = fixturePath('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt');

  it('exit 3 when a suspect has a listed verdict, with the report printed all the same; 0 otherwise', () => {
    const r = kleak('analyze', '--json', '--fail-on', 'likely-leak', KMEMLEAK);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(JSON.parse(r.stdout)[0].suspects[0].verdict, 'likely-leak');
    assert.equal(kleak('analyze', '--fail-on', 'cache,stable', KMEMLEAK).code, 0);
    assert.equal(kleak('analyze', '--fail-on', 'cache, likely-leak', KMEMLEAK).code, 3, 'any of a list');
  });

  it('counts every suspect, also those past --top: the socketpair capture\'s dentry cache comes after its leak', () => {
    const perf = generatedPath('perf-kmem-socketpair-task.txt.gz');
    const top1 = JSON.parse(kleak('analyze', '--json', '--top', '1', perf).stdout)[0];
    assert.equal(top1.suspects[0].verdict, 'likely-leak');
    const r = kleak('analyze', '--json', '--top', '1', '--fail-on', 'cache', perf);
    assert.equal(r.code, 3);
    assert.equal(JSON.parse(r.stdout)[0].suspects.length, 1);
  });

  it('a snapshot series: the generated socket leak fails, a growing reclaimable cache alone does not', () => {
    const series = generatedPath('slab-socketpair/slabinfo-series.txt.gz');
    assert.equal(kleak('analyze', '--fail-on', 'likely-leak', series).code, 3);
    const verdicts = new Set(JSON.parse(kleak('analyze', '--json', series).stdout)[0].suspects.map((s: any) => s.verdict));
    assert.deepEqual([...verdicts].sort(), ['cache', 'likely-leak', 'stable']);
    assert.equal(kleak('analyze', '--fail-on', 'possible-leak,transient', series).code, 0);
  });

  it('an unreadable file wins over the gate (2); an unknown verdict is refused with the known ones', () => {
    assert.equal(kleak('analyze', '--fail-on', 'likely-leak', KMEMLEAK, path.join(tmp, 'missing.txt')).code, 2);
    const r = kleak('analyze', '--fail-on', 'leak', KMEMLEAK);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^kleak: --fail-on needs verdicts among likely-leak, possible-leak, cache, transient, stable \(not: leak\)\n/);
  });
});

describe('kleak analyze (human)', () => {
  it('prints a summary line and the ranked suspects', () => {
    const r = kleak('analyze', fixturePath('kmemleak', 'kmemleak_09_x86_5.4_module_poison6b_unresolved_addr.txt'));
    assert.equal(r.code, 0);
    assert.match(r.stdout, /kmemleak, 4 records, 22\.2 KiB in 1 suspect/);
    assert.match(r.stdout, /#1 likely-leak\s+4 objects\s+22\.2 KiB\s+0xffffffffc08ea070/);
  });

  it('with --top, the headline says how much the shown suspects hold of the total', () => {
    // three objects of size 128 with three different backtraces: three suspects of 128 B
    const r = kleak('analyze', '--top', '1', fixturePath('kmemleak', 'kmemleak_07_mips_openwrt_kmodloader.txt'));
    assert.equal(r.code, 0);
    assert.match(r.stdout, /: kmemleak, 3 records, 128 B in the top 1 of 3 suspects \(384 B in all\)\n/);
    assert.doesNotMatch(r.stdout, /#2 /);
  });
});

describe('kleak analyze on bad input', () => {
  const expectRefusal = (file: string, reason: RegExp) => {
    const r = kleak('analyze', file);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one-line reason, got: ${r.stderr}`);
    assert.match(lines[0], reason);
  };

  it('an empty file', () => {
    const f = path.join(tmp, 'empty.txt');
    fs.writeFileSync(f, '');
    expectRefusal(f, /empty\.txt: empty file/);
  });

  it('a binary file', () => {
    const f = path.join(tmp, 'vmlinux.bin');
    fs.writeFileSync(f, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(4096, 0)]));
    expectRefusal(f, /binary file/);
  });

  it('a .gz cut short: analysed up to the cut, exit 0, the cut a warning on the last line read', () => {
    const text = fixtureText('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt');
    const gz = zlib.gzipSync(text);
    const f = path.join(tmp, 'kmemleak-cut.txt.gz');
    fs.writeFileSync(f, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const r = kleak('analyze', '--json', f);
    assert.equal(r.code, 0, r.stderr);
    const [rep] = JSON.parse(r.stdout);
    assert.equal(rep.format, 'kmemleak');
    const held = zlib.gunzipSync(fs.readFileSync(f), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
    assert.equal(rep.records, (held.match(/^unreferenced object 0x/gm) ?? []).length);
    assert.ok(rep.records < (text.match(/^unreferenced object 0x/gm) ?? []).length);
    const cut = rep.problems.filter((p: any) => /^The gzip data ends early/.test(p.message));
    assert.equal(cut.length, 1);
    assert.equal(cut[0].severity, 'warning');
    assert.equal(cut[0].line, held.replace(/\n$/, '').split('\n').length, 'the last line read (1-based)');
    assert.match(kleak('analyze', f).stdout, /line \d+: warning: The gzip data ends early: this \.gz was cut short/);
  });

  it('UTF-16 text (Windows PowerShell\'s `dmesg > file`): refused with the command that converts it, which works', () => {
    const text = fixtureText('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt');
    const f = path.join(tmp, 'dmesg.txt');
    fs.writeFileSync(f, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    expectRefusal(f, /dmesg\.txt: UTF-16 text \(as Windows PowerShell's `>` writes it\), not UTF-8: convert it with `iconv /);
    const command = /`(iconv [^`]+)`/.exec(kleak('analyze', f).stderr)![1];
    execFileSync('sh', ['-c', command]); // as the user would paste it
    const converted = path.join(tmp, 'dmesg.utf8.txt');
    const r = kleak('analyze', '--json', converted);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout)[0].records, (text.match(/^unreferenced object 0x/gm) ?? []).length);
  });

  it('a file named .gz that is not gzip data', () => {
    const f = path.join(tmp, 'report.txt.gz');
    fs.writeFileSync(f, fixtureText('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt'));
    expectRefusal(f, /report\.txt\.gz: cannot read: not valid gzip data \(incorrect header check\)$/);
  });

  it('a 100 MB single line, refused in bounded time', () => {
    const f = path.join(tmp, 'one-line.txt');
    const fd = fs.openSync(f, 'w');
    const block = Buffer.alloc(1 << 20, 'a');
    for (let i = 0; i < 100; i++) fs.writeSync(fd, block);
    fs.closeSync(fd);
    const started = process.hrtime.bigint();
    expectRefusal(f, /unknown format \(it has lines over 65536 characters\)/);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // Detection stops after its head limit (4 MB): far under the spawn timeout, even on a shared
    // machine (a full read of the line would be the failure this catches).
    assert.ok(seconds < 20, `took ${seconds.toFixed(1)} s`);
  });

  it('a JSON document: refused with a one-line reason', () => {
    const f = path.join(tmp, 'report.json');
    fs.writeFileSync(f, JSON.stringify({ file: 'kmemleak.txt', format: 'kmemleak', records: 3, suspects: [{ site: 'blk_iolatency_init', bytes: 576 }] }, null, 2) + '\n');
    expectRefusal(f, /report\.json: unknown format: no line of the head of the file looks like a kmemleak report/);
  });

  it('--format kmemleak on a real /proc/slabinfo capture: no records, and a warning naming the format it looks like', () => {
    const f = fixturePath('slabinfo', 'slabinfo_03_x86_64_5.x_ubuntu_vm_full_jc_fixture.txt');
    const r = kleak('analyze', '--json', '--format', 'kmemleak', f);
    assert.equal(r.code, 0, r.stderr);
    const [rep] = JSON.parse(r.stdout);
    assert.deepEqual([rep.format, rep.records, rep.suspects], ['kmemleak', 0, []]);
    assert.match(rep.problems[0].message, /^No kmemleak records found/);
    const mismatch = rep.problems.find((p: any) => /format was forced/.test(p.message));
    assert.deepEqual(
      mismatch && [mismatch.line, mismatch.severity, mismatch.message],
      [1, 'warning', 'Read as a kmemleak report because that format was forced, but this file looks like a /proc/slabinfo snapshot: read it without forcing the format, or as "slabinfo".'],
    );
    // The human output shows it too, and the same file without --format is read as what it is.
    assert.match(kleak('analyze', '--format', 'kmemleak', f).stdout, /line 1: warning: Read as a kmemleak report because that format was forced/);
    assert.equal(JSON.parse(kleak('analyze', '--json', f).stdout)[0].format, 'slabinfo');
  });

  it('--format slabinfo on a real kmemleak report says it looks like a kmemleak report; --format kmemleak on it says nothing of the kind', () => {
    const f = fixturePath('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt');
    const [rep] = JSON.parse(kleak('analyze', '--json', '--format', 'slabinfo', f).stdout);
    assert.equal(rep.records, 0);
    assert.ok(rep.problems.some((p: any) => p.line === 1 && /looks like a kmemleak report: .* as "kmemleak"\.$/.test(p.message)));
    const [ok] = JSON.parse(kleak('analyze', '--json', '--format', 'kmemleak', f).stdout);
    assert.equal(ok.records, 3);
    assert.ok(!ok.problems.some((p: any) => /format was forced/.test(p.message)));
  });

  it('a file of no known format', () => {
    // A directory listing: text, but nothing kleak reads.
    const f = path.join(tmp, 'listing.txt');
    fs.writeFileSync(f, 'total 372\n-r--r--r-- 1 root root  88682 Nov 22 02:57 meminfo-series.txt\n-r--r--r-- 1 root root  28623 Nov 22 02:57 slabinfo-series.txt.gz\n');
    expectRefusal(f, /unknown format: no line .* kmemleak report/);
  });

  it('a missing file and a directory', () => {
    expectRefusal(path.join(tmp, 'nope.txt'), /nope\.txt: cannot read: ENOENT/);
    // (a folder's captures would each be analysed: this one holds none)
    const dir = fs.mkdtempSync(path.join(tmp, 'no-captures-'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'nothing to see\n');
    expectRefusal(dir, /is a directory without slab or memory snapshots/);
  });

  it('one bad file among good ones: exit 2, the good ones still reported', () => {
    const r = kleak('analyze', '--json', fixturePath('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt'), path.join(tmp, 'nope.txt'));
    assert.equal(r.code, 2);
    const out = JSON.parse(r.stdout);
    assert.equal(out[0].records, 3);
    assert.match(out[1].error, /ENOENT/);
  });

  it('usage errors', () => {
    assert.equal(kleak().code, 2);
    assert.equal(kleak('analyze').code, 2);
    assert.equal(kleak('analyze', '--top', 'x', 'f').code, 2);
    const help = kleak('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: kleak analyze FILE/);
  });
});
