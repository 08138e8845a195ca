// `call_site=` fields as frames, on real traces: ftrace %pS (with /size), perf script (no size),
// and raw hex of an i386 boot trace. Counts are the `call_site=` fields of each file (grep -c).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { callSiteFrames } from '../../../server/src/analysis/callSiteFrames';
import { Frame, Range } from '../../../server/src/analysis/model';
import { GENERATED } from '../../helpers/fixtures';

const PUBLIC = path.join(GENERATED, '..', 'public');
const slice = (lines: string[], r: Range | undefined) => (r ? lines[r.start.line].slice(r.start.character, r.end.character) : undefined);
const shape = (lines: string[], f: Frame) => [f.range.start.line, f.symbol, f.offset, f.size, f.module, f.address, slice(lines, f.symbolRange), slice(lines, f.offsetRange), slice(lines, f.moduleRange)];

describe('call_site= fields as frames', () => {
  it('ftrace with %pS call sites: symbol, offset and size, every one of 16298', () => {
    const text = fs.readFileSync(path.join(GENERATED, 'ftrace-kmalloc-1024.trace'), 'utf8');
    const lines = text.split('\n');
    const frames = callSiteFrames(text);
    assert.equal(frames.length, 16298);
    assert.deepEqual(shape(lines, frames[0]), [12, 'load_elf_phdrs', 0x49, 0xc0, undefined, undefined, 'load_elf_phdrs', '+0x49/0xc0', undefined]);
    assert.deepEqual([...new Set(frames.map((f) => f.symbol))].sort(), ['__alloc_skb', 'alloc_pipe_info', 'load_elf_phdrs']);
    for (const f of frames) assert.equal(slice(lines, f.range), `${f.symbol}+0x${f.offset!.toString(16)}/0x${f.size!.toString(16)}`);
  });

  it('perf script: `call_site=sock_alloc_inode+0x1e` (no size), 139684 of them', () => {
    const text = zlib.gunzipSync(fs.readFileSync(path.join(GENERATED, 'perf-kmem-socketpair-task.txt.gz'))).toString('utf8');
    const lines = text.split('\n');
    const frames = callSiteFrames(text, 200_000);
    assert.equal(frames.length, 139684);
    assert.deepEqual(shape(lines, frames[0]), [0, 'sock_alloc_inode', 0x1e, undefined, undefined, undefined, 'sock_alloc_inode', '+0x1e', undefined]);
    assert.equal(callSiteFrames(text).length, 100_000, 'capped by default');
  });

  it('raw hex call sites of an i386 boot trace: the address is the frame', () => {
    const text = fs.readFileSync(path.join(PUBLIC, 'ftrace_kmem', 'ftrace_kmem_03_i386_boot_trace_event_kmalloc_kfree_hex_callsite.txt'), 'utf8');
    const lines = text.split('\n');
    const frames = callSiteFrames(text);
    assert.equal(frames.length, 9);
    assert.deepEqual(shape(lines, frames[0]), [11, undefined, undefined, undefined, undefined, 'c104deff', 'c104deff', undefined, undefined]);
  });

  it('module code and 0x-prefixed addresses', () => {
    const text = [
      'kworker/0:1-31 [000] ..... 12.5: kmalloc: call_site=kmem_test_new_item.isra.0+0x18/0x60 [kmem_test] ptr=000000009fdf3923 bytes_req=96',
      'kworker/0:1-31 [000] ..... 12.6: kfree: call_site=0xffffffffc0a000c8 ptr=000000009fdf3923',
      'no call site here: call_site=(null) and call_site=foo+0x1/0x2x',
    ].join('\n');
    const lines = text.split('\n');
    const frames = callSiteFrames(text);
    assert.deepEqual(
      frames.map((f) => shape(lines, f)),
      [
        [0, 'kmem_test_new_item.isra.0', 0x18, 0x60, 'kmem_test', undefined, 'kmem_test_new_item.isra.0', '+0x18/0x60', 'kmem_test'],
        [1, undefined, undefined, undefined, undefined, 'ffffffffc0a000c8', 'ffffffffc0a000c8', undefined, undefined],
      ],
    );
  });
});
