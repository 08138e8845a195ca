// kleak's headless CLI: `kleak analyze FILE… [--json] [--top N] [--format ID] [--since S] [--until S] [--jobs N] [--fail-on V,…]`.
import { analyzeCaptureFile } from './analysis/captureFile';
import { FORMATS } from './analysis/formats/registry';
import { Verdict } from './analysis/model';
import { JsonFileReport, humanReport, jsonReport, suspectTotals } from './cliReport';
import { readerThreads } from './readerThreads';

const VERDICTS: readonly Verdict[] = ['likely-leak', 'possible-leak', 'cache', 'transient', 'stable'];

const USAGE = `Usage: kleak analyze FILE... [--json] [--top N] [--format ID] [--since S] [--until S] [--jobs N] [--fail-on V,...]

Analyse kernel memory-leak captures and rank the suspects. A FILE may be a folder:
its slab/meminfo snapshot files are read as one series, ordered by time, and each
other capture in it is analysed on its own; - is standard input (plain or gzip data).
  --json        one JSON object per file, in an array (see README "CLI")
  --top N       show only the first N suspects of each file
  --format ID   skip detection (${FORMATS.map((f) => f.id).join(', ')})
  --since S     traces: only events at or after S seconds (the capture's own timestamps)
  --until S     traces: only events at or before S seconds
  --jobs N      threads reading a large perf script capture (default: one per core, at most 3; 1: one)
  --fail-on V   exit 3 when a suspect has one of these verdicts (comma-separated: ${VERDICTS.join(', ')}),
                e.g. --fail-on likely-leak to fail a CI job on a leak
Exit status: 0 when every file was analysed, 2 when a file was unreadable or of unknown format,
3 when every file was analysed and one has a suspect with a --fail-on verdict.`;

interface Args {
  files: string[];
  json: boolean;
  top?: number;
  format?: string;
  since?: number;
  until?: number;
  jobs?: number;
  failOn?: Set<Verdict>;
}

function parseArgs(argv: string[]): Args | string {
  if (argv[0] !== 'analyze') return argv.length === 0 ? 'missing command' : `unknown command "${argv[0]}"`;
  const a: Args = { files: [], json: false };
  for (let i = 1; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--json') a.json = true;
    else if (x === '--since' || x === '--until') {
      const v = argv[++i];
      if (v === undefined || !/^\d+(?:\.\d+)?$/.test(v)) return `${x} needs a time in seconds, as printed in the capture (e.g. 1280.5)`;
      if (x === '--since') a.since = Number(v);
      else a.until = Number(v);
    } else if (x === '--top' || x === '--format' || x === '--jobs') {
      const v = argv[++i];
      if (v === undefined) return `${x} needs a value`;
      if (x === '--format') a.format = v;
      else if (!/^\d+$/.test(v) || Number(v) < 1) return `${x} needs a positive number`;
      else if (x === '--top') a.top = Number(v);
      else a.jobs = Number(v);
    } else if (x === '--fail-on') {
      const v = argv[++i];
      const verdicts = (v ?? '').split(',').map((w) => w.trim()).filter(Boolean);
      const unknown = verdicts.filter((w) => !VERDICTS.includes(w as Verdict));
      if (verdicts.length === 0 || unknown.length > 0) return `--fail-on needs verdicts among ${VERDICTS.join(', ')}${unknown.length ? ` (not: ${unknown.join(', ')})` : ''}`;
      a.failOn = new Set(verdicts as Verdict[]);
    } else if (x === '--') a.files.push(...argv.slice(i + 1)), (i = argv.length);
    else if (x.startsWith('-') && x !== '-') return `unknown option "${x}"`;
    else a.files.push(x);
  }
  if (a.files.length === 0) return 'no FILE given';
  if (a.since !== undefined && a.until !== undefined && a.since > a.until) return '--since is after --until';
  return a;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`kleak: ${args}\n${USAGE}\n`);
    return 2;
  }
  const reports: JsonFileReport[] = [];
  let failed = false;
  let gated = false;
  const queue = [...args.files];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    // `-` is standard input: `journalctl -k | kleak analyze -`
    const r = await analyzeCaptureFile(file, { format: args.format, since: args.since, until: args.until, parallel: readerThreads(args.jobs), input: file === '-' ? process.stdin : undefined });
    // A folder's other captures (a kmemleak report beside the slab snapshots, or a folder of
    // evidence without snapshots) are reported each on its own, right after the folder.
    if (r.captures) queue.unshift(...r.captures);
    if (!r.ok && r.captures) continue;
    if (!r.ok) {
      failed = true;
      process.stderr.write(`kleak: ${file}: ${r.reason}\n`);
      reports.push({ file, format: null, records: 0, problems: [], suspects: [], error: r.reason });
      continue;
    }
    // (every suspect counts, also those past --top)
    if (args.failOn && r.view.suspects.some((s) => args.failOn!.has(s.verdict))) gated = true;
    const report = jsonReport(file, r.view, args.top);
    if (r.parts !== undefined) report.parts = r.parts;
    reports.push(report);
    if (!args.json) process.stdout.write(humanReport(report, suspectTotals(r.view)) + '\n');
  }
  if (args.json) process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
  return failed ? 2 : gated ? 3 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`kleak: internal error: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
