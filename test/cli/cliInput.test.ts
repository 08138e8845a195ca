// Captures that are not a named regular file: piped into `kleak analyze -` (`journalctl -k |`,
// `ssh host cat /sys/kernel/debug/kmemleak |`), a FIFO or `<(…)`, gzip data under another name.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fixturePath, fixtureText, generatedPath } from '../helpers/fixtures';
import { kleak, runCli } from '../helpers/cli';

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
