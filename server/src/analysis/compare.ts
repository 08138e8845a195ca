// Growth between two states of the same machine: two dumps in one capture (vmallocinfo,
// allocinfo, BCC memleak's periodic tables) or two captures compared with
// "kleak: Compare Captures". Pure and dependency-free: the client bundles it too.

/** How much of something one state holds. */
export interface Quantity {
  /** Identity across states (caller, file:line, normalised stack…). */
  key: string;
  /** Human name. */
  label: string;
  count: number;
  bytes: number;
}

export type GrowthStatus = 'new' | 'grew' | 'same' | 'shrank' | 'gone';

export interface Growth {
  key: string;
  label: string;
  before: { count: number; bytes: number };
  after: { count: number; bytes: number };
  deltaCount: number;
  deltaBytes: number;
  status: GrowthStatus;
}

function merge(list: Quantity[]): Map<string, Quantity> {
  const m = new Map<string, Quantity>();
  for (const q of list) {
    const had = m.get(q.key);
    if (had) {
      had.count += q.count;
      had.bytes += q.bytes;
    } else m.set(q.key, { ...q });
  }
  return m;
}

/** Every key of either state with its change, biggest growth first (bytes, then count). */
export function compareQuantities(before: Quantity[], after: Quantity[]): Growth[] {
  const a = merge(before);
  const b = merge(after);
  const out: Growth[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key);
    const y = b.get(key);
    const bc = x?.count ?? 0;
    const bb = x?.bytes ?? 0;
    const ac = y?.count ?? 0;
    const ab = y?.bytes ?? 0;
    const dc = ac - bc;
    const db = ab - bb;
    const status: GrowthStatus = !x ? 'new' : !y ? 'gone' : db > 0 || (db === 0 && dc > 0) ? 'grew' : db < 0 || dc < 0 ? 'shrank' : 'same';
    out.push({ key, label: (y ?? x)!.label, before: { count: bc, bytes: bb }, after: { count: ac, bytes: ab }, deltaCount: dc, deltaBytes: db, status });
  }
  return out.sort((p, q) => q.deltaBytes - p.deltaBytes || q.deltaCount - p.deltaCount || (p.label < q.label ? -1 : p.label > q.label ? 1 : 0));
}

/** Did it grow at every step of a series (and overall)? Series of bytes, oldest first. */
export function grewSteadily(series: number[]): boolean {
  if (series.length < 2) return false;
  for (let i = 1; i < series.length; i++) if (series[i] < series[i - 1]) return false;
  return series[series.length - 1] > series[0];
}

/**
 * Growth that makes a leak likely: steady over the series (every value present), and either
 * seen over three dumps or more, or by at least `minShare` of the first value over two.
 */
export function steadyGrowth(series: (number | undefined)[], minShare = 0.1): boolean {
  if (series.some((v) => v === undefined)) return false;
  const s = series as number[];
  if (!grewSteadily(s)) return false;
  return s.length >= 3 || s[s.length - 1] - s[0] >= minShare * s[0];
}

/** One capture as the comparison sees it: its ranked suspects (CLI/LSP shape). */
export interface ComparedCapture {
  name: string;
  format: string;
  records: number;
  suspects: { site: string; stack: string[]; count: number; bytes: number }[];
}

export interface CaptureComparison {
  before: ComparedCapture;
  after: ComparedCapture;
  /** Formats differ: the comparison is only of totals. */
  mismatch: boolean;
  rows: Growth[];
  totals: { before: { count: number; bytes: number }; after: { count: number; bytes: number } };
}

function suspectKey(s: { site: string; stack: string[] }): string {
  return [s.site, ...s.stack].join('\n');
}

export function compareCaptures(before: ComparedCapture, after: ComparedCapture): CaptureComparison {
  // Two sites of one function (allocinfo's file:line) stay apart in the labels too.
  const label = (s: { site: string; stack: string[] }) => (s.stack.length > 0 && s.stack[0] !== s.site ? `${s.site} (${s.stack[0]})` : s.site);
  const q = (c: ComparedCapture): Quantity[] => c.suspects.map((s) => ({ key: suspectKey(s), label: label(s), count: s.count, bytes: s.bytes }));
  const total = (c: ComparedCapture) => c.suspects.reduce((t, s) => ({ count: t.count + s.count, bytes: t.bytes + s.bytes }), { count: 0, bytes: 0 });
  const mismatch = before.format !== after.format;
  return {
    before,
    after,
    mismatch,
    rows: mismatch ? [] : compareQuantities(q(before), q(after)),
    totals: { before: total(before), after: total(after) },
  };
}

function bytesText(n: number): string {
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  if (v < 1024) return `${sign}${v} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let i = -1;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${sign}${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

function signed(n: number, text: string): string {
  return n > 0 ? `+${text}` : text;
}

function cell(s: string): string {
  return s.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`);
}

/** The comparison as a Markdown report (what the Compare Captures command shows). */
export function comparisonMarkdown(c: CaptureComparison, maxRows = 50): string {
  const out: string[] = [];
  out.push(`# kleak: ${cell(c.before.name)} → ${cell(c.after.name)}`, '');
  if (c.mismatch) {
    out.push(`The captures are of different formats (${cell(c.before.format)} and ${cell(c.after.format)}): only their totals can be compared.`, '');
  }
  const t = c.totals;
  out.push(
    `| | before | after | change |`,
    `|---|---:|---:|---:|`,
    `| records | ${c.before.records} | ${c.after.records} | ${signed(c.after.records - c.before.records, String(c.after.records - c.before.records))} |`,
    `| objects/areas/pages in suspects | ${t.before.count} | ${t.after.count} | ${signed(t.after.count - t.before.count, String(t.after.count - t.before.count))} |`,
    `| bytes in suspects | ${bytesText(t.before.bytes)} | ${bytesText(t.after.bytes)} | ${signed(t.after.bytes - t.before.bytes, bytesText(t.after.bytes - t.before.bytes))} |`,
    '',
  );
  if (c.mismatch) return out.join('\n');
  const grew = c.rows.filter((r) => r.status === 'grew' || r.status === 'new');
  out.push(grew.length > 0 ? `## Who grew (${grew.length})` : '## Nothing grew', '');
  if (grew.length > 0) {
    out.push('| site | before | after | change |', '|---|---:|---:|---:|');
    for (const r of grew.slice(0, maxRows)) {
      out.push(
        `| ${cell(r.label)}${r.status === 'new' ? ' (new)' : ''} | ${r.before.count} · ${bytesText(r.before.bytes)} | ${r.after.count} · ${bytesText(r.after.bytes)} | ${signed(r.deltaCount, String(r.deltaCount))} · ${signed(r.deltaBytes, bytesText(r.deltaBytes))} |`,
      );
    }
    if (grew.length > maxRows) out.push('', `…and ${grew.length - maxRows} more.`);
    out.push('');
  }
  const shrank = c.rows.filter((r) => r.status === 'shrank' || r.status === 'gone');
  if (shrank.length > 0) {
    out.push(`## Shrank or gone (${shrank.length})`, '', '| site | before | after |', '|---|---:|---:|');
    for (const r of shrank.slice(-maxRows).reverse()) {
      out.push(`| ${cell(r.label)}${r.status === 'gone' ? ' (gone)' : ''} | ${r.before.count} · ${bytesText(r.before.bytes)} | ${r.after.count} · ${bytesText(r.after.bytes)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
