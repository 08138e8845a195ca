// A .gz capture cut short (an interrupted copy or download of a big trace) is read as far as it
// goes, and says where it stops; a damaged one says it is not gzip data. Real captures, cut here.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { analyzeCaptureFile } from '../../../server/src/analysis/captureFile';
import { analyzeSnapshotFolder } from '../../../server/src/analysis/snapshotFolder';
import { byLines } from '../../helpers/analyzeText';
import { splitLines } from '../../../server/src/analysis/lineReader';
import { fixturePath, generatedPath } from '../../helpers/fixtures';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-gzip-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Write `bytes` as tmp/<name>. */
function put(name: string, bytes: Buffer): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return file;
}


/** Everything zlib can decompress from a cut .gz: what the cut file really holds. */
const holds = (cut: Buffer) => zlib.gunzipSync(cut, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');

describe('a .gz capture cut short', () => {
  // One capture per read path: kmemleak goes line by line, perf script through the byte path.
  const cases = [
    { name: 'kmemleak', format: 'kmemleak', text: () => fs.readFileSync(fixturePath('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt'), 'utf8') },
    { name: 'perf script (the generated socketpair capture)', format: 'perf-script', text: () => zlib.gunzipSync(fs.readFileSync(generatedPath('perf-kmem-socketpair-task.txt.gz'))).toString('utf8').slice(0, 4_000_000) },
  ];
  for (const c of cases) {
    it(`${c.name}: analysed up to the cut, exactly what the cut file holds, with a warning on its last line`, async () => {
      const text = c.text();
      const whole = zlib.gzipSync(text);
      const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
      const file = put(`${c.format}-cut.txt.gz`, cut);
      const r = await analyzeCaptureFile(file);
      assert.ok(r.ok, !r.ok ? r.reason : '');
      assert.equal(r.format.id, c.format);
      const held = holds(cut);
      assert.ok(held.length > 0 && held.length < text.length, `the cut holds ${held.length} of ${text.length} characters`);
      const expected = byLines(c.format, held);
      assert.ok(expected.records > 0 && expected.records < byLines(c.format, text).records, 'the cut loses records');
      assert.equal(r.view.records, expected.records, 'records: every one before the cut, none invented');
      assert.deepEqual(r.view.suspects, expected.suspects, 'the suspects of what the cut file holds');
      const warning = r.view.findings.filter((f) => f.code === 'gzip-truncated');
      assert.equal(warning.length, 1);
      assert.equal(warning[0].severity, 'warning');
      assert.equal(warning[0].range.start.line, r.stats.lines - 1, 'on the last line read');
      assert.equal(r.stats.lines, splitLines(held).filter((l, i, a) => i < a.length - 1 || l !== '').length);
      assert.match(warning[0].message, new RegExp(`^The gzip data ends early: .* The ${r.stats.lines} lines before the cut were analysed`));
      // the same file whole: no warning, and the same report as the plain text
      const full = await analyzeCaptureFile(put(`${c.format}-whole.txt.gz`, whole));
      assert.ok(full.ok);
      assert.equal(full.view.findings.some((f) => f.code === 'gzip-truncated'), false);
      assert.equal(full.view.records, byLines(c.format, text).records);
    });
  }

  it('cut inside its first lines: says it ends early, and that what is left is no capture', async () => {
    const whole = zlib.gzipSync(fs.readFileSync(fixturePath('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt')));
    const r = await analyzeCaptureFile(put('head-cut.gz', whole.subarray(0, 12)));
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /^the gzip data ends early \(the file was cut short\), and its 0 lines before the cut look like no /);
  });

  it('not gzip data at all: says so, in words rather than zlib\'s code', async () => {
    const r = await analyzeCaptureFile(put('not-gzip.txt.gz', Buffer.from('unreferenced object 0xffff888100000000 (size 64):\n')));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, 'cannot read: not valid gzip data (incorrect header check)');
  });

  it('a folder series skips a snapshot file cut short (it would chart as a drop), and names it', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'series-'));
    const slabinfo = fs.readFileSync(fixturePath('slabinfo', 'slabinfo_03_x86_64_5.x_ubuntu_vm_full_jc_fixture.txt'), 'utf8');
    for (const [i, name] of ['slabinfo-1700000000.gz', 'slabinfo-1700000060.gz', 'slabinfo-1700000120.gz'].entries()) {
      const gz = zlib.gzipSync(slabinfo);
      fs.writeFileSync(path.join(dir, name), i === 2 ? gz.subarray(0, gz.length >> 1) : gz);
    }
    const r = await analyzeSnapshotFolder(dir);
    assert.ok(r.ok, !r.ok ? r.reason : '');
    assert.equal(r.view.records, 2, 'the two whole snapshots');
    const skipped = r.view.findings.find((f) => f.code === 'folder-skipped');
    assert.match(skipped?.message ?? '', /slabinfo-1700000120\.gz \(cannot read: the gzip data ends early \(the file was cut short\)\)/);
  });
});
