// Kernel logs exported by journald as JSON (`journalctl -k -o json`, `-o json-seq`): the same
// report as the log itself. Real captures, each line turned into the entry journald would export.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeCaptureFile } from '../../../server/src/analysis/captureFile';
import { journalLine, journalMessage, journalState } from '../../../server/src/analysis/journalJson';
import { logPrefixLength } from '../../../server/src/analysis/logPrefix';
import { fixtureLines } from '../../helpers/fixtures';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-journal-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * The entry journald exports for one kernel line: its fields as `journalctl -o json` prints them;
 * the message without the dmesg stamp (journald keeps the time in its own fields), as an array of
 * bytes when it holds a control character, as journald does.
 */
function entry(message: string, i: number): string {
  const bytes = /[\x00-\x08\x0b-\x1f\x7f]/.test(message);
  return JSON.stringify({
    __CURSOR: `s=0f1e2d3c;i=${i.toString(16)};b=1a2b3c4d;m=${i};t=${i};x=${i}`,
    __REALTIME_TIMESTAMP: String(1_763_784_000_000_000 + i),
    __MONOTONIC_TIMESTAMP: String(12_345_678 + i),
    _BOOT_ID: '1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6',
    _TRANSPORT: 'kernel',
    PRIORITY: '4',
    SYSLOG_FACILITY: '0',
    SYSLOG_IDENTIFIER: 'kernel',
    _HOSTNAME: 'testbox',
    MESSAGE: bytes ? [...Buffer.from(message)] : message,
  });
}

/** A capture's lines as a dmesg without stamps would print them, and as a journal export. */
function exportOf(folder: string, name: string, seq = false): { plain: string; json: string } {
  const lines = fixtureLines(folder, name);
  if (lines.at(-1) === '') lines.pop();
  const messages = lines.map((l) => l.slice(logPrefixLength(l)));
  const plain = path.join(tmp, `${name}.plain.txt`);
  const json = path.join(tmp, `${name}${seq ? '.seq' : '.json'}`);
  fs.writeFileSync(plain, messages.join('\n') + '\n');
  fs.writeFileSync(json, messages.map((m, i) => (seq ? '\x1e' : '') + entry(m, i)).join('\n') + '\n');
  return { plain, json };
}

describe('journalctl -o json exports', () => {
  const captures: [string, string, string][] = [
    ['kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt', 'kmemleak'],
    ['kmemleak', 'kmemleak_09_x86_5.4_module_poison6b_unresolved_addr.txt', 'kmemleak'],
    ['slub-debug', 'slub_debug_01_x86_5.4.44_trace_and_objects_remaining_dmesg.txt', 'slub-debug'],
    ['slub-debug', 'slub_debug_13_x86_64_6.13_btrfs_poison_overwritten_console_time.txt', 'slub-debug'],
  ];
  for (const [folder, name, format] of captures) {
    for (const seq of [false, true]) {
      it(`${name}${seq ? ' (json-seq)' : ''}: the report of the log itself, line for line`, async () => {
        const { plain, json } = exportOf(folder, name, seq);
        const [a, b] = [await analyzeCaptureFile(plain), await analyzeCaptureFile(json)];
        assert.ok(a.ok && b.ok, `${!a.ok ? a.reason : ''} ${!b.ok ? b.reason : ''}`);
        assert.equal(b.format.id, format);
        assert.ok(a.view.records > 0);
        assert.equal(b.view.records, a.view.records);
        assert.deepEqual(b.view.suspects.map((s) => [s.site, s.count, s.bytes, s.verdict, s.line]), a.view.suspects.map((s) => [s.site, s.count, s.bytes, s.verdict, s.line]));
        assert.deepEqual(b.view.findings.map((f) => [f.code, f.severity, f.range.start.line]), a.view.findings.map((f) => [f.code, f.severity, f.range.start.line]));
      });
    }
  }

  it('a message journald exported as bytes, a too-long one (null), and lines that are no entry', () => {
    assert.equal(journalMessage(JSON.stringify({ MESSAGE: [...Buffer.from('BUG kmalloc-64 (Tainted: G    B   ): Poison overwritten\x07')] })), 'BUG kmalloc-64 (Tainted: G    B   ): Poison overwritten\x07');
    assert.equal(journalMessage(JSON.stringify({ MESSAGE: null })), '');
    assert.equal(journalMessage('\x1e' + JSON.stringify({ MESSAGE: 'x' })), 'x');
    assert.equal(journalMessage('{"MESSAGE": 12}'), undefined);
    assert.equal(journalMessage('{"MESSAGE": "unterminated'), undefined);
    assert.equal(journalMessage('unreferenced object 0xffff8881675f7000 (size 192): "MESSAGE"'), undefined);
  });

  it('the first non-empty line decides: a plain log that quotes an entry later on is left as it is', () => {
    const state = journalState();
    const quoted = entry('unreferenced object 0xffff888100000000 (size 64):', 0);
    const out = ['', 'unreferenced object 0xffff8881675f7000 (size 192):', quoted].map((l) => journalLine(l, state));
    assert.deepEqual(out, ['', 'unreferenced object 0xffff8881675f7000 (size 192):', quoted]);
    assert.equal(state.json, false);
  });
});
