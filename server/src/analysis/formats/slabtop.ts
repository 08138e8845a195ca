// `slabtop` output (procps 3.x to procps-ng 4.x, `-o` once, any sort order): the summary
//    Active / Total Objects (% used)    : 1250733 / 1389691 (90.0%)
//    Active / Total Slabs (% used)      : 42347 / 42347 (100.0%)
//    Active / Total Caches (% used)     : 123 / 235 (52.3%)
//    Active / Total Size (% used)       : 246861.91K / 263151.29K (93.8%)
//    Minimum / Average / Maximum Object : 0.01K / 0.19K / 50.27K
// the column header `  OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME` and rows
//    751218 620779  82%    0.10K  19262       39     77048K buffer_head
// with or without blank lines between, trailing spaces kept or not. Line by line.
import { Span, columns, span, uint } from '../columns';

export interface SlabtopRow {
  name: string;
  numObjs: number;
  activeObjs: number;
  /** Object size in bytes, from the printed KiB with two decimals (so ±5 bytes). */
  objSize: number;
  numSlabs: number;
  objPerSlab: number;
  /** CACHE SIZE: slabs × pages per slab × page size, in bytes (printed in KiB). */
  cacheBytes: number;
  nameStart: number;
  nameEnd: number;
  end: number;
}

export type SummaryField = 'objects' | 'slabs' | 'caches' | 'size' | 'object-size';

export type SlabtopLine =
  | { kind: 'summary'; field: SummaryField; active: number; total: number; spans: Span[] }
  | { kind: 'columns'; spans: Span[] }
  | { kind: 'row'; row: SlabtopRow; spans: Span[] }
  | { kind: 'cut'; end: number; spans: Span[] };

const SUMMARY = /^\s*(?:Active \/ Total (Objects|Slabs|Caches|Size) \(% used\)|(Minimum) \/ Average \/ Maximum Object)\s*:/;
const COLUMN_HEADER = /^\s*OBJS\s+ACTIVE\s+USE\s+OBJ SIZE\s+SLABS\s+OBJ\/SLAB\s+CACHE SIZE\s+NAME/;
const SIZE = /^(\d{1,12}(?:\.\d{1,6})?)([KMG]i?B?|k)?$/;
const PERCENT = /^\d{1,3}%$/;

/** A size column (`0.62K`, `243872K`, `1.5M`) in bytes; a bare number is KiB as slabtop prints. */
export function sizeBytes(text: string): number | undefined {
  const m = SIZE.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? 'K').charAt(0).toUpperCase();
  const scale = unit === 'G' ? 1024 ** 3 : unit === 'M' ? 1024 ** 2 : 1024;
  return Math.round(Number(m[1]) * scale);
}

export function parseSlabtopLine(line: string): SlabtopLine | undefined {
  const s = SUMMARY.exec(line);
  if (s) {
    const field: SummaryField = s[2] ? 'object-size' : (s[1].toLowerCase() as SummaryField);
    const indent = line.length - line.trimStart().length;
    const spans: Span[] = [{ character: indent, length: s[0].slice(indent, -1).trimEnd().length, kind: 'keyword' }];
    const rest = columns(line.slice(s[0].length), 12).map((c) => ({ ...c, start: c.start + s[0].length, end: c.end + s[0].length }));
    const values: number[] = [];
    for (const c of rest) {
      const bare = c.text.replace(/^\(/, '').replace(/\)$/, '');
      if (bare === '/') continue;
      if (bare.endsWith('%')) {
        spans.push({ character: c.start, length: c.end - c.start, kind: 'number' });
        continue;
      }
      const v = field === 'size' || field === 'object-size' ? sizeBytes(bare) : uint({ ...c, text: bare });
      if (v === undefined) continue;
      values.push(v);
      spans.push(span(c, field === 'size' || field === 'object-size' ? 'size' : 'number'));
    }
    // Minimum / Average / Maximum has three values: keep min and max in active/total.
    return { kind: 'summary', field, active: values[0] ?? 0, total: values[values.length - 1] ?? 0, spans };
  }
  if (COLUMN_HEADER.test(line)) return { kind: 'columns', spans: [{ character: 0, length: line.trimEnd().length, kind: 'prefix' }] };

  const cols = columns(line, 16);
  if (cols.length < 2 || uint(cols[0]) === undefined || uint(cols[1]) === undefined) return undefined;
  if (cols.length >= 3 && !PERCENT.test(cols[2].text)) return undefined;
  const objs = uint(cols[0])!;
  const active = uint(cols[1])!;
  const objSize = sizeBytes(cols[3]?.text ?? '');
  const slabs = uint(cols[4]);
  const perSlab = uint(cols[5]);
  const cache = sizeBytes(cols[6]?.text ?? '');
  const name = cols[7];
  const spans: Span[] = [span(cols[0], 'number'), span(cols[1], 'number')];
  if (cols[2]) spans.push(span(cols[2], 'number'));
  if (objSize !== undefined) spans.push(span(cols[3], 'size'));
  if (slabs !== undefined) spans.push(span(cols[4], 'number'));
  if (perSlab !== undefined) spans.push(span(cols[5], 'number'));
  if (cache !== undefined) spans.push(span(cols[6], 'size'));
  if (objSize === undefined || slabs === undefined || perSlab === undefined || cache === undefined || !name || cols.length > 8) {
    // A line of numbers with a percentage third: a slabtop row cut short.
    return cols.length >= 3 && cols.length <= 8 ? { kind: 'cut', end: line.trimEnd().length, spans } : undefined;
  }
  spans.push(span(name, 'cache'));
  return {
    kind: 'row',
    row: {
      name: name.text,
      numObjs: objs,
      activeObjs: active,
      objSize,
      numSlabs: slabs,
      objPerSlab: perSlab,
      cacheBytes: cache,
      nameStart: name.start,
      nameEnd: name.end,
      end: name.end,
    },
    spans,
  };
}

/** Does this line identify slabtop output? */
export function isSlabtopSignature(line: string): boolean {
  return /^\s*Active \/ Total Objects \(% used\)\s*:/.test(line) || COLUMN_HEADER.test(line);
}
