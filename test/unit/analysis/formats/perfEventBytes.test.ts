// The byte reader of perf script event lines reads what PerfScriptParser's FAST_EVENT
// expression reads: on every line it accepts, the same fields at the same places. Checked on
// every event line of the real captures, and on generated lines built to trip it (colons and
// digits in comms, fields cut or too long, missing spaces).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { AsciiStrings, newEventLineFields, pointerKeyOf, readEventLine, textHash } from '../../../../server/src/analysis/formats/perfEventBytes';
import { FAST_EVENT } from '../../../../server/src/analysis/formats/perfScript';
import { pointerKey } from '../../../../server/src/analysis/traceEvents';
import { fixturePath, fixturesIn, generatedPath } from '../../../helpers/fixtures';

/** What the expression reads of a line, in the byte reader's terms (undefined: no match). */
function byExpression(line: string) {
  const m = FAST_EVENT.exec(line);
  if (!m) return undefined;
  return {
    at: m.index,
    ts: Number(m[1]),
    name: m[2],
    paren: m[3],
    site: m[4],
    ptr: m[5],
    cache: m[6],
    requested: m[7] !== undefined ? Number(m[7]) : NaN,
    bytes: m[8] !== undefined ? Number(m[8]) : NaN,
    gfpFollows: m[9] !== undefined,
    matchEnd: m.index + m[0].length,
  };
}

function byBytes(line: string) {
  const buf = Buffer.from(line, 'latin1');
  const f = newEventLineFields();
  if (!readEventLine(buf, 0, buf.length, f)) return undefined;
  const text = (s: number, e: number) => (s >= 0 ? line.slice(s, e) : undefined);
  return {
    at: f.at,
    ts: f.ts,
    name: line.slice(f.nameStart, f.nameEnd),
    paren: text(f.parenStart, f.parenEnd),
    site: text(f.siteStart, f.siteEnd),
    ptr: line.slice(f.ptrStart, f.ptrEnd),
    cache: text(f.cacheStart, f.cacheEnd),
    requested: f.requested,
    bytes: f.bytes,
    gfpFollows: f.gfpFollows,
    matchEnd: f.matchEnd,
  };
}

/** The byte reader may decline a line the expression reads (the parser then uses the expression), never differ. */
function agree(line: string): 'read' | 'declined' {
  const b = byBytes(line);
  if (b === undefined) return 'declined';
  assert.deepEqual(b, byExpression(line), JSON.stringify(line));
  return 'read';
}

describe('readEventLine reads what FAST_EVENT reads', () => {
  it('every event line of the generated perf captures and the perf script fixtures: read, the same fields', () => {
    let read = 0;
    let declined = 0;
    const texts = ['perf-kmem-socketpair-task.txt.gz', 'perf-kmem-socketpair-system-flat.txt.gz'].map((f) => zlib.gunzipSync(fs.readFileSync(generatedPath(f))).toString('latin1'));
    for (const f of fixturesIn('perf_script')) texts.push(fs.readFileSync(fixturePath('perf_script', f), 'latin1'));
    for (const text of texts) {
      for (const line of text.split('\n')) {
        if (!line.includes(': ') || line.startsWith('\t')) continue;
        if (agree(line) === 'read') read++;
        else if (byExpression(line) && /^[\x20-\x7e]*$/.test(line)) declined++;
      }
    }
    assert.ok(read > 100_000, `${read} lines read from their bytes`);
    // The real lines the expression reads are read from their bytes too (not left to the slow path).
    assert.ok(declined < read / 1000, `${declined} declined`);
  });

  it('generated lines built to trip it: never a different reading', () => {
    const piece = fc.constantFrom(
      ' ', '  ', ':', ': ', '.', '0', '12', '1234567890123', '3867.067575', '1.2.3', 'kworker/u8:2', 'python3', '[000]', '4508',
      'kmem:kmalloc', 'kmem:kmem_cache_alloc', 'kmem:', 'probe:x', '(sym+0x1c)', '(a b)', 'call_site=', 'call_site=foo+0x1d',
      'ptr=', 'ptr=0xffff8881c1f287b8', 'ptr=(null)', 'ptr=a=b', ' name=', ' name=dentry', 'name=', ' bytes_req=', ' bytes_req=104',
      ' bytes_alloc=', ' bytes_alloc=1234567890123456', ' gfp_flags=', 'GFP_KERNEL', '\t', '=', '(', ')', 'x'.repeat(40),
    );
    // Lengths at the expression's limits, and one past them.
    const run = (c: string, ...n: number[]) => fc.constantFrom(...n.map((k) => c.repeat(k)));
    const ts = fc.oneof(fc.stringMatching(/^\d{1,14}\.\d{1,14}$/), fc.tuple(run('7', 1, 2, 12, 13), run('3', 1, 3, 12, 13)).map(([a, b]) => `${a}.${b}`));
    const canonical = fc.record({
      comm: fc.stringMatching(/^[ -~]{0,20}$/),
      ts,
      spaces: fc.stringMatching(/^ {1,3}$/),
      name: fc.oneof(fc.constantFrom('kmem:kmalloc', 'kmem:kfree', 'kmem:kmem_cache_alloc', 'x:y'), fc.tuple(run('s', 1, 64, 65), run('e', 1, 128, 129)).map(([a, b]) => `${a}:${b}`)),
      paren: fc.option(fc.oneof(fc.stringMatching(/^\([^\s()]{0,4}\) $/), run('p', 256, 257).map((x) => `(${x}) `))),
      site: fc.option(fc.oneof(fc.stringMatching(/^call_site=\S{0,6} $/), run('c', 256, 257).map((x) => `call_site=${x} `))),
      ptr: fc.oneof(fc.stringMatching(/^ptr=[0-9a-fx()=]{0,20}$/), run('f', 32, 33).map((x) => `ptr=${x}`)),
      cache: fc.option(fc.oneof(fc.constantFrom(' name=dentry', ' name=', ' name=a=b'), run('n', 128, 129).map((x) => ` name=${x}`))),
      sizes: fc.option(fc.tuple(run('1', 0, 1, 15, 16), run('2', 0, 1, 15, 16)).map(([q, a]) => ` bytes_req=${q} bytes_alloc=${a}`)),
      rest: fc.array(piece, { maxLength: 6 }),
    }).map((r) => `${r.comm} ${r.ts}:${r.spaces}${r.name}: ${r.paren ?? ''}${r.site ?? ''}${r.ptr}${r.cache ?? ''}${r.sizes ?? ''}${r.rest.join('')}`);
    let read = 0;
    fc.assert(
      fc.property(fc.oneof(canonical, fc.array(piece, { maxLength: 14 }).map((a) => a.join(''))), (line) => {
        if (agree(line) === 'read') read++;
      }),
      { numRuns: 20_000, seed: 7 },
    );
    assert.ok(read > 500, `${read} generated lines were read (the generator reaches the reader)`);
  });
});

describe('the byte reader\'s helpers', () => {
  it('pointerKeyOf gives pointerKey of the same text', () => {
    for (const p of ['0xffff8881c1f287b8', '0x0', '(null)', '(nil)', 'ffff888102caf3c0', '000000009fdf3923', 'c147dd20', '0x', 'zz', '0x1234567890abcdef1']) {
      const b = Buffer.from(p);
      assert.equal(pointerKeyOf(b, 0, b.length, pointerKey), pointerKey(p), p);
    }
  });

  it('AsciiStrings gives the string of the bytes, even when two texts share a hash', () => {
    const strings = new AsciiStrings();
    const b = Buffer.from('alloc_buffer_head+0x1d sock_alloc_inode+0x1e');
    assert.equal(strings.get(b, 0, 22, textHash('alloc_buffer_head+0x1d')), 'alloc_buffer_head+0x1d');
    assert.equal(strings.get(b, 0, 22, textHash('alloc_buffer_head+0x1d')), 'alloc_buffer_head+0x1d');
    // A forced collision: the other text under the first one's hash is still itself.
    assert.equal(strings.get(b, 23, b.length, textHash('alloc_buffer_head+0x1d')), 'sock_alloc_inode+0x1e');
  });
});
