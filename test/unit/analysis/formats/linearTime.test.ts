// Issue 9: time per input is linear. For every format, its real capture with the most records per
// byte is repeated (the whole capture: thousands of records; and one of its frame lines inside a
// record: a deep stack) to tens of thousands of lines and at least tens of milliseconds of
// analysis; analysing four times that input must not take more than 8 times as long. The sizes
// matter: a per-record step that is linear in the records (a quadratic whole, such as comparing
// each object with every other of its group) only dominates past a thousand records or so. Runs of both sizes alternate and the medians are compared, so a busy machine
// slows both alike; a ratio over the bound is measured again (twice) before it counts, so only a
// consistent super-linear cost fails — a quadratic step makes the ratio ~16 every time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { FORMATS, analyzeLines } from '../../../../server/src/analysis/formats/registry';
import { FormatId } from '../../../../server/src/analysis/views/captureView';
import { KmemleakParser } from '../../../../server/src/analysis/formats/kmemleak';
import { kmemleakView } from '../../../../server/src/analysis/views/kmemleakView';
import { fixtureLines, fixturePath, fixturesIn } from '../../../helpers/fixtures';

/** Where each format's real captures are (buddyinfo shares the meminfo folder). */
const FOLDER: Record<FormatId, string> = {
  kmemleak: 'kmemleak',
  'perf-script': 'perf_script',
  ftrace: 'ftrace',
  slabinfo: 'slabinfo',
  slabtop: 'slabtop',
  meminfo: 'meminfo',
  buddyinfo: 'meminfo',
  'slub-debug': 'slub-debug',
  vmallocinfo: 'vmallocinfo',
  'page-owner': 'page-owner',
  allocinfo: 'allocinfo',
  'bcc-memleak': 'bcc-memleak',
  bpftrace: 'bpftrace',
};

/** Four times the input may take at most this many times as long: linear is ×4, quadratic ×16; the
 * margin absorbs a busy 2-core machine (GC, other processes) without hiding a quadratic step. */
const SCALE = 4;
const BOUND = 8;
/** One analysis of the smaller input takes at least this long, so timer noise is small… */
const TARGET_MS = 50;
/** …and has at least this many lines (whole captures, deep lines). */
const MIN_LINES = { capture: 10_000, line: 5_000 };
const MAX_LINES = 4_000_000;
const RUNS = 5;

/** The format's capture with the most records per byte (per-record costs show first), the larger on a tie. */
function densestFixture(format: (typeof FORMATS)[number]): string[] {
  const folder = FOLDER[format.id];
  let best: { lines: string[]; density: number } | undefined;
  for (const f of fixturesIn(folder)) {
    const text = fs.readFileSync(fixturePath(folder, f), 'utf8');
    const lines = text.split(/\r?\n/);
    const density = analyzeLines(format, lines).records / text.length;
    if (!best || density > best.density || (density === best.density && lines.length > best.lines.length)) best = { lines, density };
  }
  return best!.lines;
}

type Shape = (k: number) => string[];

/** The whole capture, k times in a row. */
function wholeCapture(lines: string[]): Shape {
  return (k) => {
    const out: string[] = [];
    for (let i = 0; i < k; i++) for (const l of lines) out.push(l);
    return out;
  };
}

/** One line inside a record (the first frame the analysis finds, else the middle line) repeated k times in place. */
function deepLine(lines: string[], at: number): Shape {
  return (k) => {
    const out = lines.slice(0, at);
    for (let i = 0; i < k; i++) out.push(lines[at]);
    for (let i = at; i < lines.length; i++) out.push(lines[i]);
    return out;
  };
}

// A full garbage collection before each timed run: a run pays for its own garbage, not for what
// the previous (larger or smaller) run left behind.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function timeOnce(format: (typeof FORMATS)[number], lines: string[]): number {
  gc();
  const t = performance.now();
  analyzeLines(format, lines);
  return performance.now() - t;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median times of the input at k and 2k repetitions, runs alternating. */
function measure(format: (typeof FORMATS)[number], shape: Shape, k: number): { small: number; large: number; lines: number } {
  const small = shape(k);
  const large = shape(SCALE * k);
  const ts: number[] = [];
  const tl: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    ts.push(timeOnce(format, small));
    tl.push(timeOnce(format, large));
  }
  return { small: median(ts), large: median(tl), lines: small.length };
}

function checkLinear(format: (typeof FORMATS)[number], shape: Shape, unitLines: number, minLines: number, what: string): string {
  // Calibrate: double the repetitions until one analysis takes TARGET_MS.
  // Timed warm (the first run of a size also pays for compilation), so the small input really takes TARGET_MS.
  let k = Math.max(1, Math.ceil(minLines / unitLines));
  const warm = (n: number) => {
    const lines = shape(n);
    timeOnce(format, lines);
    return timeOnce(format, lines);
  };
  while (k * unitLines < MAX_LINES / SCALE && warm(k) < TARGET_MS) k *= 2;
  timeOnce(format, shape(SCALE * k));
  let last = { small: 0, large: 0, lines: 0 };
  for (let attempt = 0; attempt < 3; attempt++) {
    last = measure(format, shape, k);
    if (last.large <= BOUND * last.small) break;
  }
  const ratio = last.large / last.small;
  assert.ok(
    ratio <= BOUND,
    `${format.id} (${what}): ${last.lines} lines took ${last.small.toFixed(1)} ms, ${SCALE} times as many ${last.large.toFixed(1)} ms (×${ratio.toFixed(2)}, bound ×${BOUND})`,
  );
  return `${what} ${last.lines} lines ${last.small.toFixed(0)} ms → ×${ratio.toFixed(2)}`;
}

describe('time per input is linear (four times the input at most ×8 the time)', () => {
  for (const format of FORMATS) {
    it(`${format.id}: the capture repeated, and one frame line repeated into a deep stack`, () => {
      const lines = densestFixture(format);
      const frame = analyzeLines(format, lines).frames[0]?.frame.symbolRange.start.line;
      const at = frame ?? Math.floor(lines.length / 2);
      const a = checkLinear(format, wholeCapture(lines), lines.length, MIN_LINES.capture, 'whole capture');
      const b = checkLinear(format, deepLine(lines, at), 1, MIN_LINES.line, frame !== undefined ? 'frame line' : 'middle line');
      console.log(`# ${format.id}: ${a}; ${b}`);
    });
  }
});

describe('per-record costs that only show on big groups', () => {
  // Whole-capture doubling above stops at tens of thousands of lines; a step that walks a whole
  // backtrace group for each of its objects only dominates with thousands of objects in one group.
  // The view alone is timed here, on the real nvme report's objects cloned into one big group.
  it('kmemleak: the view of a group of 40,000 objects takes at most ×8 the time of 10,000', () => {
    const parser = new KmemleakParser();
    for (const l of fixtureLines('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt')) parser.push(l);
    const report = parser.finish();
    assert.equal(report.objects.length, 3);
    const withObjects = (n: number) => ({
      ...report,
      objects: Array.from({ length: n }, (_, i) => ({ ...report.objects[i % 3], address: (0xffff888100000000 + i * 0x100).toString(16) })),
    });
    const small = withObjects(10_000);
    const large = withObjects(40_000);
    assert.equal(kmemleakView(large).suspects[0].count, 40_000);
    const time = (r: typeof small) => {
      gc();
      const t = performance.now();
      kmemleakView(r);
      return performance.now() - t;
    };
    let ratio = Infinity;
    let ts: number[] = [];
    let tl: number[] = [];
    for (let attempt = 0; attempt < 3 && ratio > BOUND; attempt++) {
      ts = [];
      tl = [];
      for (let i = 0; i < RUNS; i++) {
        ts.push(time(small));
        tl.push(time(large));
      }
      ratio = median(tl) / median(ts);
    }
    console.log(`# kmemleak view: 10,000 objects ${median(ts).toFixed(0)} ms, 40,000 ${median(tl).toFixed(0)} ms (×${ratio.toFixed(2)})`);
    assert.ok(ratio <= BOUND, `10,000 objects took ${median(ts).toFixed(0)} ms, 40,000 took ${median(tl).toFixed(0)} ms (×${ratio.toFixed(2)})`);
  });
});
