// The formats kleak understands: how to recognise each and how to analyse it line by line.
import { CaptureView, FormatId } from '../views/captureView';
import { KmemleakParser } from './kmemleak';
import { kmemleakView } from '../views/kmemleakView';
import { SnapshotSeriesParser } from '../snapshotSeries';
import { slabSeriesView } from '../views/slabSeriesView';
import { isSlabinfoSignature } from './slabinfo';
import { isSlabtopSignature } from './slabtop';
import { isMeminfoSignature } from './meminfo';
import { isBuddyinfoSignature } from './buddyinfo';

/** Consumes a capture line by line; `finish` gives the view. */
export interface CaptureAnalyzer {
  push(line: string): void;
  finish(): CaptureView;
}

export interface CaptureFormat {
  id: FormatId;
  /** Language id contributed by the extension. */
  languageId: string;
  /** Human name for messages. */
  label: string;
  /** Does this line (anywhere in the head of a file) identify the format? */
  signature(line: string): boolean;
  create(): CaptureAnalyzer;
}

export const FORMATS: CaptureFormat[] = [
  {
    id: 'kmemleak',
    languageId: 'kmemleak',
    label: 'kmemleak report',
    signature: (line) => /unreferenced object 0x[0-9a-fA-F]+ \(size \d+\)|kmemleak: \d+ new suspected memory leak/.test(line),
    create: () => {
      const parser = new KmemleakParser();
      return { push: (l) => parser.push(l), finish: () => kmemleakView(parser.finish()) };
    },
  },
  // Slab and memory snapshots: one series parser reads all four (recorders mix them in one file);
  // the format only names what the file is. buddyinfo shares the meminfo language.
  slabFormat('slabinfo', 'slabinfo', '/proc/slabinfo snapshot', isSlabinfoSignature),
  slabFormat('slabtop', 'slabtop', 'slabtop output', isSlabtopSignature),
  slabFormat('meminfo', 'meminfo', '/proc/meminfo snapshot', isMeminfoSignature),
  slabFormat('buddyinfo', 'meminfo', '/proc/buddyinfo snapshot', isBuddyinfoSignature),
];

function slabFormat(id: FormatId, languageId: string, label: string, signature: (line: string) => boolean): CaptureFormat {
  return {
    id,
    languageId,
    label,
    signature,
    create: () => {
      const parser = new SnapshotSeriesParser();
      return { push: (l) => parser.push(l), finish: () => slabSeriesView(parser.finish(), id) };
    },
  };
}

export function formatById(id: string): CaptureFormat | undefined {
  return FORMATS.find((f) => f.id === id || f.languageId === id);
}

export function detectFormat(line: string): CaptureFormat | undefined {
  return FORMATS.find((f) => f.signature(line));
}

/** Analyse in-memory lines as the given format. */
export function analyzeLines(format: CaptureFormat, lines: Iterable<string>): CaptureView {
  const a = format.create();
  for (const l of lines) a.push(l);
  return a.finish();
}
