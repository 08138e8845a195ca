// The formats kleak understands: how to recognise each and how to analyse it line by line.
import { CaptureView, FormatId } from '../views/captureView';
import { KmemleakParser } from './kmemleak';
import { kmemleakView } from '../views/kmemleakView';
import { kmemleakFileAnalyzer } from '../views/kmemleakFileView';
import { ParsedPart, PerfScriptParser } from './perfScript';
import { recordingBuffers } from '../eventRecording';
import { perfScriptView } from '../views/perfScriptView';
import { FtraceParser } from './ftrace';
import { ftraceView } from '../views/ftraceView';
import { ByteLineSink } from '../lineReader';
import { SnapshotSeriesParser } from '../snapshotSeries';
import { slabSeriesView } from '../views/slabSeriesView';
import { SlubDebugParser } from './slubDebug';
import { slubDebugView } from '../views/slubDebugView';
import { VmallocinfoParser } from './vmallocinfo';
import { vmallocinfoView } from '../views/vmallocinfoView';
import { PageOwnerParser } from './pageOwner';
import { pageOwnerView } from '../views/pageOwnerView';
import { AllocinfoParser } from './allocinfo';
import { allocinfoView } from '../views/allocinfoView';
import { BccMemleakParser } from './bccMemleak';
import { bccMemleakView } from '../views/bccMemleakView';
import { BpftraceParser } from './bpftrace';
import { bpftraceView } from '../views/bpftraceView';
import { signatureOfLine } from './signatures';

/** Consumes a capture line by line; `finish` gives the view. */
export interface CaptureAnalyzer {
  push(line: string): void;
  finish(): CaptureView;
  /** Optional byte path, used for files read from disk (see ByteLineSink). */
  bytes?: ByteLineSink;
  /** Take in the next part of the file, read by another thread (partReader), in file order. */
  absorbPart?(part: unknown, groupOf: number[]): void;
  /** Can the parts after what it read so far still be read apart (no mode begun that they depend on)? */
  partsUsable?(): boolean;
}

/** Reads parts of a file for an analyzer on another thread (see parallelCapture). */
export interface PartReader {
  bytes: ByteLineSink;
  /** What was read since the last call, with the buffers to transfer; `modeChanged`: the part can only be read after its predecessors. */
  take(): { part: unknown; modeChanged: boolean; transfer: ArrayBuffer[] };
}

/** The part reader of a format, for those whose files may be read in parts. */
export function partReader(format: string, options: { since?: number; until?: number }): PartReader | undefined {
  if (format !== 'perf-script') return undefined;
  const p = new PerfScriptParser({ ...options, detail: false }, true);
  return {
    bytes: byteSink(p),
    take: () => {
      const modeChanged = p.inReportMode();
      const part = p.takePart();
      return { part, modeChanged, transfer: recordingBuffers(part.collected.events) };
    },
  };
}

function byteSink(p: { pushBytes: ByteLineSink['line']; skipped: number }): ByteLineSink {
  return { line: (b, s, e, n, l) => p.pushBytes(b, s, e, n, l), get skipped() { return p.skipped; } };
}

/** What a caller may ask of an analyzer; formats ignore what does not apply to them. */
export interface AnalyzerOptions {
  /** Keep only events in this time window (seconds, the capture's timestamps). */
  since?: number;
  until?: number;
  /** Keep per-line details for an editor (tokens, hovers); off for files analysed from disk. */
  detail?: boolean;
}

export interface CaptureFormat {
  id: FormatId;
  /** Language id contributed by the extension. */
  languageId: string;
  /** Human name for messages. */
  label: string;
  create(options?: AnalyzerOptions): CaptureAnalyzer;
}

export const FORMATS: CaptureFormat[] = [
  {
    id: 'kmemleak',
    languageId: 'kmemleak',
    label: 'kmemleak report',
    create: (options) => {
      // From disk: objects are grouped and dropped as they come (memory per backtrace, not per object).
      if (options?.detail === false) return kmemleakFileAnalyzer();
      const parser = new KmemleakParser();
      return { push: (l) => parser.push(l), finish: () => kmemleakView(parser.finish()) };
    },
  },
  // Issue 4: allocation traces.
  {
    id: 'perf-script',
    languageId: 'perf-script',
    label: 'perf script kmem trace',
    create: (options) => {
      const p = new PerfScriptParser(options);
      return {
        push: (l) => p.push(l),
        finish: () => perfScriptView(p.finish()),
        bytes: byteSink(p),
        absorbPart: (part, groupOf) => p.absorbPart(part as ParsedPart, groupOf),
        partsUsable: () => !p.inReportMode(),
      };
    },
  },
  {
    id: 'ftrace',
    languageId: 'ftrace',
    label: 'ftrace kmem trace',
    create: (options) => {
      const p = new FtraceParser(options);
      return {
        push: (l) => p.push(l),
        finish: () => ftraceView(p.finish()),
        bytes: byteSink(p),
      };
    },
  },
  // Slab and memory snapshots: one series parser reads all four (recorders mix them in one file);
  // the format only names what the file is. buddyinfo shares the meminfo language.
  slabFormat('slabinfo', 'slabinfo', '/proc/slabinfo snapshot'),
  slabFormat('slabtop', 'slabtop', 'slabtop output'),
  slabFormat('meminfo', 'meminfo', '/proc/meminfo snapshot'),
  slabFormat('buddyinfo', 'meminfo', '/proc/buddyinfo snapshot'),
  // Issue 7: SLUB debug logs, vmallocinfo, page_owner, allocinfo, BCC memleak.
  lineFormat('slub-debug', 'slub-debug', 'SLUB debug log (slub_debug trace, error report, alloc_traces)', () => {
    const p = new SlubDebugParser();
    return { push: (l) => p.push(l), finish: () => slubDebugView(p.finish()) };
  }),
  lineFormat('vmallocinfo', 'vmallocinfo', '/proc/vmallocinfo dump', () => {
    const p = new VmallocinfoParser();
    return { push: (l) => p.push(l), finish: () => vmallocinfoView(p.finish()) };
  }),
  lineFormat('page-owner', 'page-owner', 'page_owner dump', () => {
    const p = new PageOwnerParser();
    return { push: (l) => p.push(l), finish: () => pageOwnerView(p.finish()) };
  }),
  lineFormat('allocinfo', 'allocinfo', '/proc/allocinfo dump', () => {
    const p = new AllocinfoParser();
    return { push: (l) => p.push(l), finish: () => allocinfoView(p.finish()) };
  }),
  lineFormat('bcc-memleak', 'bcc-memleak', 'BCC/libbpf-tools memleak output', () => {
    const p = new BccMemleakParser();
    return { push: (l) => p.push(l), finish: () => bccMemleakView(p.finish()) };
  }),
  // Issue 6: bpftrace map output (the scaffolded "stacks" script). Its language id is not
  // `bpftrace`: script extensions (bpftrace-vscode) own that id and `source.bpftrace` for `.bt` files.
  lineFormat('bpftrace', 'bpftrace-output', 'bpftrace map output', () => {
    const p = new BpftraceParser();
    return { push: (l) => p.push(l), finish: () => bpftraceView(p.finish()) };
  }),
];

function slabFormat(id: FormatId, languageId: string, label: string): CaptureFormat {
  return {
    id,
    languageId,
    label,
    create: () => {
      const parser = new SnapshotSeriesParser();
      return { push: (l) => parser.push(l), finish: () => slabSeriesView(parser.finish(), id) };
    },
  };
}

function lineFormat(id: FormatId, languageId: string, label: string, create: () => CaptureAnalyzer): CaptureFormat {
  return { id, languageId, label, create };
}

export function formatById(id: string): CaptureFormat | undefined {
  return FORMATS.find((f) => f.id === id || f.languageId === id);
}

/** The format this line identifies (signatures.ts: the same detection the editor client runs). */
export function detectFormat(line: string): CaptureFormat | undefined {
  const id = signatureOfLine(line)?.id;
  return id === undefined ? undefined : FORMATS.find((f) => f.id === id);
}

/** Analyse in-memory lines as the given format. */
export function analyzeLines(format: CaptureFormat, lines: Iterable<string>): CaptureView {
  const a = format.create();
  for (const l of lines) a.push(l);
  return a.finish();
}
