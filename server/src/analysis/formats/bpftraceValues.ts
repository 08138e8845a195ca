// The values bpftrace prints after a map key: integers (count, sum, min, max, avg), stats(),
// strings and tuples as text, and the buckets of hist()/lhist() on the lines that follow:
//   @mode: count 24132, average 11, total 279444
//   @bytes_alloc:
//   [16, 32)            2352 |@@@@@@@@@@@@@@@@@@@@@                               |
//   [1K, ...)             62 |@@@@@@@@@@@@@                                       |
import { Range, range } from '../model';

export interface BpftraceStats {
  count: number;
  average: number;
  total: number;
}

export interface HistBucket {
  line: number;
  range: Range;
  /** The interval as printed: `[16, 32)`, `[1]`, `[1K, ...)`, `(..., 0)`. */
  interval: string;
  intervalRange: Range;
  count: number;
  countRange: Range;
}

export interface ParsedValue {
  value?: number;
  stats?: BpftraceStats;
}

const INTEGER = /^-?\d{1,20}$/;
const STATS = /^count (-?\d{1,20}), average (-?\d{1,20}), total (-?\d{1,20})$/;
const BUCKET = /^([[(][^,\])]{0,32}(?:, [^\])]{0,32})?[\])])[ \t]+(\d{1,20}) \|[@ ]*\|[ \t]*$/;

export function parseValue(text: string): ParsedValue {
  if (INTEGER.test(text)) return { value: Number(text) };
  const s = STATS.exec(text);
  if (s) return { stats: { count: Number(s[1]), average: Number(s[2]), total: Number(s[3]) } };
  return {};
}

/** A histogram bucket line, or undefined. */
export function parseBucket(text: string, line: number): HistBucket | undefined {
  const m = BUCKET.exec(text);
  if (!m) return undefined;
  const countAt = text.indexOf(m[2], m[1].length);
  return {
    line,
    range: range(line, 0, text.length),
    interval: m[1],
    intervalRange: range(line, 0, m[1].length),
    count: Number(m[2]),
    countRange: range(line, countAt, countAt + m[2].length),
  };
}
