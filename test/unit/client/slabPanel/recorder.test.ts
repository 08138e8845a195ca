// The slab recorder (client/src/slabPanel/recorderFormat.ts, recorderCore.ts) on this machine's
// real /proc: what it writes parses with the server's series parser, snapshot by snapshot; a
// kill -9 in the middle of a recording leaves only complete snapshots plus at most one reported
// cut tail; the generated sudo script is valid shell, records the same format and quotes paths
// that try to inject commands.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSnapshotSeries } from '../../../../server/src/analysis/snapshotSeries';
import { analyzeSlabGrowth } from '../../../../server/src/analysis/slabGrowth';
import { SlabRecorderCore, slabinfoReadable } from '../../../../client/src/slabPanel/recorderCore';
import {
  intervalSeconds,
  invalidScriptPath,
  recorderScript,
  recordingFileName,
  snapshotText,
  vmallocinfoRecordingName,
} from '../../../../client/src/slabPanel/recorderFormat';
import { shellQuote } from '../../../../server/src/analysis/shellWord';
import { REPO_ROOT } from '../../../helpers/fixtures';
import { analyzeLines, formatById } from '../../../../server/src/analysis/formats/registry';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-recorder-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const canReadSlabinfo = (() => {
  try {
    fs.readFileSync('/proc/slabinfo');
    return true;
  } catch {
    return false;
  }
})();
const meminfoFields = fs.readFileSync('/proc/meminfo', 'utf8').trim().split('\n').length;
const slabCaches = canReadSlabinfo ? fs.readFileSync('/proc/slabinfo', 'utf8').trim().split('\n').length - 2 : 0;
const parse = (file: string) => parseSnapshotSeries(fs.readFileSync(file, 'utf8').split('\n'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('recorder format', () => {
  it('writes `=== <epoch>` then /proc/slabinfo then /proc/meminfo, which the series parser reads back', () => {
    const slab = canReadSlabinfo ? fs.readFileSync('/proc/slabinfo', 'utf8') : undefined;
    const mem = fs.readFileSync('/proc/meminfo', 'utf8');
    const text = [0, 1, 2].map((i) => snapshotText({ time: 1_795_312_468 + i * 5.7, slabinfo: slab, meminfo: mem })).join('');
    assert.ok(text.startsWith('=== 1795312468\n'));
    const s = parseSnapshotSeries(text.split('\n'));
    assert.equal(s.snapshots.length, 3);
    assert.deepEqual(s.snapshots.map((x) => x.time), [1795312468, 1795312473, 1795312479]);
    assert.deepEqual(s.problems, []);
    for (const snap of s.snapshots) {
      assert.equal(snap.rows.meminfo, meminfoFields);
      if (canReadSlabinfo) assert.equal(snap.rows.slabinfo, slabCaches);
    }
    assert.ok(s.meminfo.some((f) => f.key === 'SUnreclaim'));
    if (canReadSlabinfo) assert.ok(s.caches.some((c) => c.name === 'dentry'));
    const report = analyzeSlabGrowth(s);
    assert.equal(report.snapshots, 3);
  });

  it('ends every part with a newline, meminfo-only too', () => {
    assert.equal(snapshotText({ time: 5, meminfo: 'MemTotal: 1 kB' }), '=== 5\nMemTotal: 1 kB\n');
    assert.equal(snapshotText({ time: 5.9, slabinfo: 'a\n', meminfo: 'b\n' }), '=== 5\na\nb\n');
  });

  it('names recordings, clamps the interval, refuses control characters in paths', () => {
    assert.equal(recordingFileName(new Date(2026, 10, 22, 1, 54, 8)), 'slab-20261122-015408.slabinfo');
    assert.equal(intervalSeconds(5), 5);
    assert.equal(intervalSeconds(0), 1);
    assert.equal(intervalSeconds(1e9), 3600);
    assert.equal(intervalSeconds('10'), 5);
    assert.equal(intervalSeconds(2.6), 3);
    assert.equal(invalidScriptPath('/tmp/a\nrm -rf ~'), 'the path contains control characters (newline, NUL, …)');
    assert.equal(invalidScriptPath("/tmp/it's $(here).slabinfo"), undefined);
    assert.throws(() => recorderScript({ file: 'x\u0000y', interval: 5 }));
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });
});

describe('recorder core on this machine', () => {
  it('records /proc/vmallocinfo dumps into the sibling file, which kleak reads as several dumps', async () => {
    const file = path.join(tmp, 'vm.slabinfo');
    const vmFile = vmallocinfoRecordingName(file);
    assert.equal(path.basename(vmFile), 'vm.vmallocinfo');
    fs.writeFileSync(vmFile, 'kept: an existing sibling is appended to, never overwritten\n');
    const core = new SlabRecorderCore({ file, intervalMs: 100, slabinfo: canReadSlabinfo, mode: 'w', vmallocinfoFile: vmFile });
    await core.start();
    const t = Date.now();
    while (core.snapshots < 3 && Date.now() - t < 5000) await sleep(20);
    core.stop();
    const text = fs.readFileSync(vmFile, 'utf8');
    assert.ok(text.startsWith('kept:'), 'the earlier content is still there');
    const view = analyzeLines(formatById('vmallocinfo')!, text.split('\n'));
    const areas = fs.readFileSync('/proc/vmallocinfo', 'utf8').split('\n').filter((l) => /^0x[0-9a-f]+-0x[0-9a-f]+ /.test(l)).length;
    assert.ok(areas > 0, 'this machine has vmalloc areas');
    // Every dump of this machine's vmallocinfo is read: records = areas × dumps (± areas that came and went).
    assert.ok(Math.abs(view.records - areas * core.snapshots) <= areas * core.snapshots * 0.1, `${view.records} records for ${core.snapshots} dumps of ~${areas} areas`);
    assert.equal(view.findings.filter((f) => f.severity === 'error').length, 0);
  });

  it(`samples /proc every interval, one complete snapshot per write (slabinfo ${canReadSlabinfo ? 'readable' : 'not readable: meminfo only'})`, async () => {
    const file = path.join(tmp, 'live.slabinfo');
    const core = new SlabRecorderCore({ file, intervalMs: 100, slabinfo: canReadSlabinfo, mode: 'w' });
    let seen = 0;
    core.onSnapshot = (n) => (seen = n);
    await core.start();
    assert.equal(core.snapshots, 1, 'the first snapshot is taken at once');
    assert.equal(fs.readFileSync(file, 'utf8').split('\n')[0].startsWith('=== '), true);
    const t = Date.now();
    while (core.snapshots < 5 && Date.now() - t < 5000) await sleep(20);
    core.stop();
    assert.equal(core.running, false);
    const count = core.snapshots;
    assert.ok(count >= 5, `${count} snapshots`);
    assert.equal(seen, count);
    await sleep(250);
    assert.equal(core.snapshots, count, 'nothing is written after stop()');
    const s = parse(file);
    assert.equal(s.snapshots.length, count);
    assert.deepEqual(s.problems, []);
    assert.equal(s.time.unit, 'seconds');
    for (const snap of s.snapshots) {
      assert.equal(snap.rows.meminfo, meminfoFields);
      if (canReadSlabinfo) assert.ok(snap.rows.slabinfo >= slabCaches - 5);
    }
    assert.equal(fs.statSync(file).size, core.bytes);

    // appending continues the series; overwriting starts it again
    const again = new SlabRecorderCore({ file, intervalMs: 10_000, slabinfo: canReadSlabinfo, mode: 'a' });
    await again.start();
    again.stop();
    assert.equal(parse(file).snapshots.length, count + 1);
    const fresh = new SlabRecorderCore({ file, intervalMs: 10_000, slabinfo: false, mode: 'w' });
    await fresh.start();
    fresh.stop();
    assert.equal(parse(file).snapshots.length, 1);
  });

  it('reports why /proc/slabinfo cannot be read, and stops on a read error', async () => {
    const here = await slabinfoReadable();
    assert.equal(here.ok, canReadSlabinfo);
    if (!here.ok) assert.equal(here.code, 'EACCES');
    const denied = Object.assign(new Error("EACCES: permission denied, open '/proc/slabinfo'"), { code: 'EACCES' });
    const r = await slabinfoReadable(async () => {
      throw denied;
    });
    assert.deepEqual(r, { ok: false, code: 'EACCES', message: denied.message });
    const file = path.join(tmp, 'denied.slabinfo');
    const core = new SlabRecorderCore({ file, intervalMs: 50, slabinfo: true, mode: 'w', read: async (p) => (p === '/proc/slabinfo' ? Promise.reject(denied) : fs.promises.readFile(p, 'utf8')) });
    let error: Error | undefined;
    core.onError = (e) => (error = e);
    await core.start();
    assert.equal(error, denied);
    assert.equal(core.running, false);
    assert.equal(fs.readFileSync(file, 'utf8'), '', 'nothing half-written');
  });

  it('keeps every complete snapshot when the recording process is killed with SIGKILL', { timeout: 30_000 }, async () => {
    const file = path.join(tmp, 'killed.slabinfo');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'recorderChild.ts'), file, '15', canReadSlabinfo ? 'all' : 'meminfo-only'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const t = Date.now();
    while (!/snapshot 12\n/.test(out) && Date.now() - t < 20_000 && child.exitCode === null) await sleep(10);
    assert.match(out, /snapshot 12\n/, `the recorder ran (stderr: ${err})`);
    await sleep(Math.floor(Math.random() * 15)); // land anywhere in the cycle, writes included
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    const s = parse(file);
    assert.ok(s.snapshots.length >= 12, `${s.snapshots.length} snapshots`);
    const complete = s.snapshots.filter((x) => !x.truncated);
    assert.ok(complete.length >= s.snapshots.length - 1, 'only the last snapshot can be cut');
    for (const snap of complete) {
      assert.equal(snap.rows.meminfo, meminfoFields, `snapshot ${snap.index}`);
      if (canReadSlabinfo) assert.ok(snap.rows.slabinfo >= slabCaches - 5, `snapshot ${snap.index}`);
    }
    assert.ok(s.problems.length <= 1, JSON.stringify(s.problems));

    // The same recording cut in the middle of its last snapshot (what a kill during a long write
    // leaves): every earlier snapshot intact, the tail reported as exactly one problem.
    const text = fs.readFileSync(file, 'utf8');
    const lastStart = text.lastIndexOf('=== ');
    const cut = text.slice(0, lastStart + Math.floor((text.length - lastStart) * 0.4));
    const c = parseSnapshotSeries(cut.split('\n'));
    assert.equal(c.snapshots.length, s.snapshots.length);
    assert.equal(c.snapshots.at(-1)!.truncated, true);
    assert.equal(c.snapshots.slice(0, -1).every((x) => !x.truncated), true);
    assert.equal(c.problems.length, 1, JSON.stringify(c.problems.map((p) => p.message)));
    assert.match(c.problems[0].message, /cut short/);
    assert.equal(analyzeSlabGrowth(c).snapshots, s.snapshots.length - 1);
  });
});

describe('recorder script (for sudo in a terminal)', () => {
  it('is valid POSIX shell that records the same format, with a hostile path kept as one quoted word', { timeout: 20_000 }, async () => {
    const dir = path.join(tmp, "it's $(touch pwned) `touch pwned2`; x");
    fs.mkdirSync(dir);
    const file = path.join(dir, 'rec.slabinfo');
    const script = path.join(tmp, 'record-slab.sh');
    fs.writeFileSync(script, recorderScript({ file, interval: 1 }));
    execFileSync('sh', ['-n', script]); // syntax
    const child = spawn('sh', [script], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmp } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const t = Date.now();
    while (!/snapshot 2 /.test(out) && child.exitCode === null && Date.now() - t < 10_000) await sleep(20);
    child.kill('SIGTERM');
    const code = await exited;
    assert.equal(fs.existsSync(path.join(tmp, 'pwned')) || fs.existsSync(path.join(tmp, 'pwned2')), false, 'nothing in the path ran');
    if (!canReadSlabinfo) {
      assert.match(err, /slabinfo/, 'without root the script stops at /proc/slabinfo');
      return;
    }
    assert.match(out, /kleak: snapshot 1 -> .*rec\.slabinfo/, err);
    assert.match(out, /snapshot 2 /, err);
    assert.equal(code, 0, 'SIGTERM ends it cleanly');
    const s = parse(file);
    assert.ok(s.snapshots.length >= 2);
    assert.deepEqual(s.problems, []);
    for (const snap of s.snapshots) {
      assert.equal(snap.rows.meminfo, meminfoFields);
      assert.ok(snap.rows.slabinfo >= slabCaches - 5);
    }
    assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.startsWith('tmp.')), [], 'its temporary file (mktemp in TMPDIR) is removed');
  });
});
