// The CLI's output contract: the JSON shape documented in the README, and the human summary.
import { CaptureView, isInputProblem } from './analysis/views/captureView';
import { ProblemDto, SuspectDto } from './protocol';
import { formatBytes, plural, suspectSize } from './analysis/units';
import { signed } from './analysis/slabGrowth';

/** Formats whose suspects are growth over a snapshot series: bytes are signed (a cache may shrink). */
const GROWTH_FORMATS = new Set(['slabinfo', 'slabtop', 'meminfo', 'buddyinfo']);

/** Every suspect of a file, before --top keeps the first N. */
export interface SuspectTotals {
  count: number;
  bytes: number;
}

export function suspectTotals(view: CaptureView): SuspectTotals {
  return { count: view.suspects.length, bytes: view.suspects.reduce((n, s) => n + s.bytes, 0) };
}

/** Lines in the CLI's JSON are 1-based, as editors and grep show them. */
export type JsonProblem = ProblemDto;
export type JsonSuspect = Omit<SuspectDto, 'samples'>;

export interface JsonFileReport {
  file: string;
  format: string | null;
  records: number;
  problems: JsonProblem[];
  suspects: JsonSuspect[];
  /** Present only when the file could not be analysed. */
  error?: string;
  /** Present only when worker threads read the file in this many parts (--jobs). */
  parts?: number;
}


export function jsonReport(file: string, view: CaptureView, top?: number): JsonFileReport {
  return {
    file,
    format: view.format,
    records: view.records,
    problems: view.findings
      .filter(isInputProblem)
      .sort((a, b) => a.range.start.line - b.range.start.line)
      .map((f) => ({ line: f.range.start.line + 1, severity: f.severity, message: f.message })),
    suspects: view.suspects.slice(0, top).map((s) => ({
      rank: s.rank,
      verdict: s.verdict,
      reason: s.reason,
      count: s.count,
      bytes: s.bytes,
      site: s.site,
      stack: s.stack,
      line: s.line + 1,
    })),
  };
}

/** The human summary; `all`: every suspect's totals when --top showed fewer. */
export function humanReport(r: JsonFileReport, all?: SuspectTotals): string {
  const out: string[] = [];
  out.push(`${r.file}: ${r.format}, ${plural(r.records, 'record')}, ${suspectsHeadline(r, all)}`);
  for (const s of r.suspects) {
    out.push(`  #${s.rank} ${s.verdict.padEnd(13)} ${plural(s.count, 'object').padEnd(11)} ${suspectSize(s.bytes, s.count).padStart(10)}  ${s.site}  (line ${s.line})`);
    if (s.stack.length > 1) out.push(`     ${s.stack.slice(0, 6).join(' ← ')}${s.stack.length > 6 ? ' ← …' : ''}`);
    out.push(`     ${s.reason}`);
  }
  const counts = new Map<string, number>();
  for (const p of r.problems) counts.set(p.severity, (counts.get(p.severity) ?? 0) + 1);
  if (r.problems.length > 0) {
    out.push(`  input problems: ${[...counts].map(([k, n]) => plural(n, k)).join(', ')}`);
    // the worst first; information too (such as "Only one snapshot: … Record a series …"), which
    // may be all a file has to say
    const rank = (x: { severity: string }) => ['error', 'warning', 'information'].indexOf(x.severity);
    const shown = r.problems.filter((x) => rank(x) >= 0).sort((a, b) => rank(a) - rank(b) || a.line - b.line);
    for (const p of shown.slice(0, 10)) out.push(`    line ${p.line}: ${p.severity}: ${p.message}`);
    if (shown.length > 10) out.push(`    … and ${shown.length - 10} more (--json lists them all)`);
  }
  return out.join('\n');
}

/**
 * "576 B in 3 suspects", or with --top "… in the top 3 of 12 suspects (… in all)". For a snapshot
 * series the bytes are growth, summed with their signs: "growth of the top 3: +…, net over all 235: +…".
 */
function suspectsHeadline(r: JsonFileReport, all?: SuspectTotals): string {
  const shown = r.suspects.reduce((n, x) => n + x.bytes, 0);
  const total = all ?? { count: r.suspects.length, bytes: shown };
  const cut = r.suspects.length < total.count;
  if (r.format !== null && GROWTH_FORMATS.has(r.format)) {
    if (total.count === 0) return '0 suspects';
    return cut
      ? `${plural(total.count, 'suspect')}; growth of the top ${r.suspects.length}: ${signed(shown)}, net over all ${total.count}: ${signed(total.bytes)}`
      : `${plural(total.count, 'suspect')}; net growth over all: ${signed(total.bytes)}`;
  }
  // "0 B in 3 suspects" would say they hold nothing: the capture says nothing of their sizes
  if (total.bytes === 0 && total.count > 0) {
    return cut ? `the top ${r.suspects.length} of ${total.count} suspects, no sizes in the capture` : `${plural(total.count, 'suspect')}, no sizes in the capture`;
  }
  return cut
    ? `${formatBytes(shown)} in the top ${r.suspects.length} of ${total.count} suspects (${formatBytes(total.bytes)} in all)`
    : `${formatBytes(shown)} in ${plural(total.count, 'suspect')}`;
}
