// Captures that are not a named regular file: piped into `kleak analyze -` (`journalctl -k |`,
// `ssh host cat /sys/kernel/debug/kmemleak |`), a FIFO or `<(…)`, gzip data under another name,
// logs saved with their terminal colours, and the kernel's own files, whose size says 0
// (`kleak analyze /proc/slabinfo`).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fixturePath, fixtureText, generatedPath } from '../helpers/fixtures';
import { CLI, kleak, runCli } from '../helpers/cli';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-cli-input-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const KMEMLEAK = fixturePath('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt');

/** The JSON report of one input, without its file name. */
function report(r: { code: number | null; stdout: string; stderr: string }) {
  assert.equal(r.code, 0, r.stderr);
  const [rep] = JSON.parse(r.stdout);
  delete rep.file;
  return rep;
}

describe('kleak analyze - (standard input)', () => {
  it('a kmemleak report piped in: the report of the file itself', () => {
    const fromFile = report(kleak('analyze', '--json', KMEMLEAK));
    assert.equal(fromFile.records, 3);
    const r = runCli(['analyze', '--json', '-'], { input: fs.readFileSync(KMEMLEAK) });
    assert.equal(JSON.parse(r.stdout)[0].file, '-');
    assert.deepEqual(report(r), fromFile);
  });

  it('gzip data piped in (`cat capture.gz |`) is recognised by its magic bytes and decompressed', () => {
    const perf = generatedPath('perf-kmem-socketpair-task.txt.gz');
    const head = zlib.gunzipSync(fs.readFileSync(perf)).subarray(0, 3_000_000);
    fs.writeFileSync(path.join(tmp, 'perf-head.txt'), head);
    const fromFile = report(kleak('analyze', '--json', path.join(tmp, 'perf-head.txt')));
    assert.equal(fromFile.format, 'perf-script');
    assert.ok(fromFile.records > 1000);
    assert.deepEqual(report(runCli(['analyze', '--json', '-'], { input: zlib.gzipSync(head) })), fromFile);
  });

  it('binary data piped in, with or without --format: refused as binary', () => {
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(4096, 0)]);
    for (const args of [['analyze', '-'], ['analyze', '--format', 'kmemleak', '-']]) {
      const r = runCli(args, { input: elf });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, 'kleak: -: binary file, not a text capture\n', args.join(' '));
    }
  });

  it('nothing piped in: refused, saying nothing came through', () => {
    for (const args of [['analyze', '-'], ['analyze', '--format', 'kmemleak', '-']]) {
      const r = runCli(args, { input: '' });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, 'kleak: -: empty input: nothing came through the pipe\n');
    }
  });
});

describe('kleak analyze of a FIFO (as `<(…)` and named pipes give)', () => {
  it('reads it once, as it comes: the report of the file itself', async () => {
    const fifo = path.join(tmp, 'capture.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', KMEMLEAK, fifo], { stdio: 'ignore' });
    const done = new Promise((resolve) => writer.on('exit', resolve));
    const r = kleak('analyze', '--json', fifo);
    await done;
    assert.deepEqual(report(r), report(kleak('analyze', '--json', KMEMLEAK)));
  });
});

describe('gzip data under another name', () => {
  it('a .gz renamed to .txt is decompressed, also when it would be read in parts (--jobs 3)', () => {
    const perf = generatedPath('perf-kmem-socketpair-task.txt.gz');
    const renamed = path.join(tmp, 'perf-kmem.txt');
    fs.copyFileSync(perf, renamed);
    const expected = report(kleak('analyze', '--json', perf));
    assert.deepEqual(report(kleak('analyze', '--json', '--jobs', '3', renamed)), expected);
    const k = path.join(tmp, 'kmemleak-report');
    fs.writeFileSync(k, zlib.gzipSync(fixtureText('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt')));
    assert.equal(report(kleak('analyze', '--json', k)).records, 3);
  });
});

/**
 * A log as `dmesg --color=always` saves it (util-linux's scheme: the time and caller id in green, a
 * subsystem prefix such as "kmemleak: " in brown, warnings in bold); other lines stay plain.
 */
function colourLikeDmesg(text: string): string {
  return text
    .split('\n')
    .map((l) => {
      const m = /^(\[\s*\d+\.\d+\](?:\[\s*[TC]\d+\])? )(?:([\w-]+: ))?(.*)$/.exec(l);
      if (!m) return l;
      const [, time, subsystem, rest] = m;
      const body = /BUG|WARNING|unreferenced/.test(rest) ? `\x1b[1m${rest}\x1b[0m` : rest;
      return `\x1b[32m${time}\x1b[0m${subsystem ? `\x1b[33m${subsystem}\x1b[0m` : ''}${body}`;
    })
    .join('\n');
}

describe('terminal colours in a saved log (`dmesg --color=always`, `script`, `less -R`)', () => {
  const both = (name: string, plain: string) => {
    const files = { plain: path.join(tmp, `${name}.txt`), coloured: path.join(tmp, `${name}-colour.txt`) };
    fs.writeFileSync(files.plain, plain);
    fs.writeFileSync(files.coloured, colourLikeDmesg(plain));
    assert.notEqual(fs.readFileSync(files.coloured, 'utf8'), plain, 'the copy is coloured');
    return { plain: report(kleak('analyze', '--json', files.plain)), coloured: report(kleak('analyze', '--json', files.coloured)) };
  };

  it('SLUB logs from dmesg: the report of the plain log', () => {
    for (const f of ['slub_debug_01_x86_5.4.44_trace_and_objects_remaining_dmesg.txt', 'slub_debug_05_ppc64_5.9next_object_already_free_callerid_interleaved.txt']) {
      const r = both(f.slice(0, 13), fixtureText('slub-debug', f));
      assert.ok(r.plain.records > 0 && r.plain.suspects.length + r.plain.problems.length > 0, f);
      assert.deepEqual(r.coloured, r.plain, f);
    }
  });

  it('a kmemleak report printed to dmesg ("kmemleak: " before each line): the report of the plain log', () => {
    const dmesg = fixtureText('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt').split('\n').filter(Boolean).map((l, i) => `[ ${(812 + i / 1e6).toFixed(6)}] kmemleak: ${l}`).join('\n') + '\n';
    const r = both('kmemleak-dmesg', dmesg);
    assert.equal(r.plain.records, 3);
    assert.deepEqual(r.coloured, r.plain);
  });

  it('a perf script capture with coloured event lines: the report of the plain one', () => {
    const text = fixtureText('perf_script', 'perf_kmem_01_ppc64_kmalloc_callchain.txt');
    const file = path.join(tmp, 'perf-colour.txt');
    fs.writeFileSync(file, text.split('\n').map((l) => (/^\S/.test(l) ? `\x1b[1;34m${l}\x1b[m` : l)).join('\n'));
    const plain = report(kleak('analyze', '--json', fixturePath('perf_script', 'perf_kmem_01_ppc64_kmalloc_callchain.txt')));
    assert.equal(plain.records, 1);
    assert.deepEqual(report(kleak('analyze', '--json', file)), plain);
  });
});

describe('data compressed by another tool than gzip', () => {
  it('an xz-compressed report: refused with the pipe that decompresses it, which works', () => {
    const xz = path.join(tmp, 'kmemleak report.xz');
    fs.writeFileSync(xz, execFileSync('xz', ['-c', KMEMLEAK]));
    const r = kleak('analyze', xz);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `kleak: ${xz}: xz-compressed data: decompress it on the way in, \`xz -dc '${xz}' | kleak analyze -\` (kleak reads gzip itself)\n`);
    // the suggested pipe, with this repository's CLI for `kleak`
    const piped = execFileSync('sh', ['-c', `xz -dc '${xz}' | "$0" "$1" analyze --json -`, process.execPath, CLI], { encoding: 'utf8' });
    assert.deepEqual(report({ code: 0, stdout: piped, stderr: '' }), report(kleak('analyze', '--json', KMEMLEAK)));
  });
});

describe('the kernel\'s own files (procfs says their size is 0)', () => {
  it('/proc/meminfo and /proc/buddyinfo: read as they come, one snapshot each, not an "empty file"', () => {
    assert.equal(fs.statSync('/proc/meminfo').size, 0, 'procfs gives no size');
    const [meminfo, buddyinfo] = JSON.parse(kleak('analyze', '--json', '/proc/meminfo', '/proc/buddyinfo').stdout);
    assert.deepEqual([meminfo.format, meminfo.records], ['meminfo', 1]);
    assert.deepEqual([buddyinfo.format, buddyinfo.records], ['buddyinfo', 1]);
    assert.match(meminfo.problems[0].message, /^Only one snapshot: growth needs two or more\. Record a series/);
  });

  it(`/proc/slabinfo and /proc/vmallocinfo ${process.getuid?.() === 0 ? '(as root)' : '(not root: refused with the reason)'}`, () => {
    const r = kleak('analyze', '--json', '/proc/slabinfo', '/proc/vmallocinfo');
    if (process.getuid?.() !== 0) {
      assert.equal(r.code, 2);
      assert.match(r.stderr, /\/proc\/slabinfo: cannot read: EACCES/);
      return;
    }
    assert.equal(r.code, 0, r.stderr);
    const [slabinfo, vmallocinfo] = JSON.parse(r.stdout);
    assert.deepEqual([slabinfo.format, slabinfo.records], ['slabinfo', 1]);
    assert.equal(vmallocinfo.format, 'vmallocinfo');
    const areas = fs.readFileSync('/proc/vmallocinfo', 'utf8').split('\n').filter((l) => /^0x[0-9a-f]+-0x[0-9a-f]+ /.test(l)).length;
    assert.ok(Math.abs(vmallocinfo.records - areas) <= Math.max(20, areas * 0.05), `${vmallocinfo.records} areas read, ${areas} in the file now`);
  });

  it('an empty kmemleak file (what /sys/kernel/debug/kmemleak holds when nothing leaks) is a healthy answer, exit 0', async () => {
    for (const name of ['kmemleak', 'kmemleak-2026-11-22.txt', 'node7.kmemleak']) {
      const f = path.join(tmp, name);
      fs.writeFileSync(f, '');
      const r = kleak('analyze', '--json', '--fail-on', 'likely-leak,possible-leak', f);
      assert.equal(r.code, 0, r.stderr);
      const [rep] = JSON.parse(r.stdout);
      assert.deepEqual([rep.format, rep.records, rep.suspects], ['kmemleak', 0, []]);
      assert.match(rep.problems[0].message, /^Empty: kmemleak suspects no unreferenced object\. It scans every 10 minutes; "echo scan > \/sys\/kernel\/debug\/kmemleak" scans now/);
      assert.equal(rep.problems[0].severity, 'information');
    }
    // read as debugfs gives it: a file without a size, read as it comes (here a FIFO named so)
    const dir = fs.mkdtempSync(path.join(tmp, 'debugfs-'));
    const fifo = path.join(dir, 'kmemleak');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', ': > "$1"', 'sh', fifo], { stdio: 'ignore' });
    const done = new Promise((resolve) => writer.on('exit', resolve));
    const r = kleak('analyze', fifo);
    await done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /: kmemleak, 0 records/);
    // another format forced on it: an empty file after all
    assert.equal(kleak('analyze', '--format', 'slabinfo', path.join(tmp, 'kmemleak')).code, 2);
  });

  it('an empty regular file is still an "empty file"', () => {
    const f = path.join(tmp, 'empty.txt');
    fs.writeFileSync(f, '');
    assert.equal(kleak('analyze', f).stderr, `kleak: ${f}: empty file\n`);
  });
});
