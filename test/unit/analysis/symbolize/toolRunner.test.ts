// The only door to external programs: argument arrays (no shell), timeouts that kill,
// output caps, cancellation, missing programs, and the runner of untrusted workspaces.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { denyTools, execTool, findTool } from '../../../../server/src/analysis/symbolize/toolRunner';

describe('toolRunner', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-tools-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('passes arguments as they are: shell syntax in a capture or a setting stays text', async () => {
    const marker = path.join(tmp, 'pwned');
    const hostile = [`$(touch ${marker})`, `; touch ${marker}`, `\`touch ${marker}\``, `a | touch ${marker}`, '-e', '--exe=/etc/shadow'];
    const r = await execTool({ command: 'printf', args: ['%s\\n', ...hostile], timeoutMs: 5000, maxOutputBytes: 1 << 20 });
    assert.equal(r.ok, true);
    assert.deepEqual(r.stdout.trimEnd().split('\n'), hostile);
    assert.equal(fs.existsSync(marker), false);
  });

  it('writes stdin and reads stdout (addresses in, lines out)', async () => {
    const r = await execTool({ command: 'cat', args: [], input: '0x10\n0x20\n', timeoutMs: 5000, maxOutputBytes: 1 << 20 });
    assert.equal(r.stdout, '0x10\n0x20\n');
    assert.equal(r.exitCode, 0);
  });

  it('kills a program that outlives its timeout', async () => {
    const t0 = Date.now();
    const r = await execTool({ command: 'sleep', args: ['30'], timeoutMs: 300, maxOutputBytes: 1 << 20 });
    assert.equal(r.ok, false);
    assert.match(r.error!, /timed out after 300 ms/);
    assert.ok(Date.now() - t0 < 5000);
  });

  it('kills a program whose output exceeds the cap', async () => {
    const t0 = Date.now();
    const r = await execTool({ command: 'yes', args: ['0x00000000deadbeef'], timeoutMs: 20_000, maxOutputBytes: 64 * 1024 });
    assert.equal(r.ok, false);
    assert.match(r.error!, /output larger than 65536 bytes/);
    assert.ok(Date.now() - t0 < 10_000);
  });

  it('stops when cancelled', async () => {
    const ac = new AbortController();
    const p = execTool({ command: 'sleep', args: ['30'], timeoutMs: 60_000, maxOutputBytes: 1 << 20, signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    const r = await p;
    assert.equal(r.ok, false);
    assert.equal(r.error, 'cancelled');
    const pre = new AbortController();
    pre.abort();
    assert.equal((await execTool({ command: 'true', args: [], timeoutMs: 1000, maxOutputBytes: 1024, signal: pre.signal })).error, 'cancelled');
  });

  it('reports a missing program and a program that exits non-zero without throwing', async () => {
    const r = await execTool({ command: path.join(tmp, 'no-such-addr2line'), args: [], timeoutMs: 1000, maxOutputBytes: 1024 });
    assert.equal(r.ok, false);
    assert.match(r.error!, /not found/);
    const f = await execTool({ command: 'sh', args: ['-c', 'echo out; echo err >&2; exit 3'], timeoutMs: 5000, maxOutputBytes: 1024 });
    assert.deepEqual([f.ok, f.exitCode, f.stdout, f.stderr], [true, 3, 'out\n', 'err\n']);
  });

  it('a program that does not read its input does not break the runner (EPIPE)', async () => {
    const r = await execTool({ command: 'true', args: [], input: 'x'.repeat(4 << 20), timeoutMs: 5000, maxOutputBytes: 1024 });
    assert.equal(r.ok, true);
  });

  it('denyTools runs nothing and says why', async () => {
    const marker = path.join(tmp, 'denied');
    const r = await denyTools({ command: 'touch', args: [marker], timeoutMs: 1000, maxOutputBytes: 1024 });
    assert.equal(r.ok, false);
    assert.match(r.error!, /not trusted/);
    assert.equal(fs.existsSync(marker), false);
  });

  it('findTool looks up PATH, accepts only plain names and executable files', () => {
    const bin = path.join(tmp, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'addr2line'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(bin, 'gdb'), 'not executable', { mode: 0o644 });
    assert.equal(findTool('addr2line', bin), path.join(bin, 'addr2line'));
    assert.equal(findTool('gdb', bin), undefined);
    assert.equal(findTool('../bin/addr2line', bin), undefined);
    assert.equal(findTool('addr2line', `relative${path.delimiter}${bin}`), path.join(bin, 'addr2line'), 'relative PATH entries are skipped');
  });
});
