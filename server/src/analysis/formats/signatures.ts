// Which format a line of a file's head announces: each format's signature, in the order detection
// tries them. Kept apart from the registry (parsers, views) so the editor client can bundle the very
// detection the server and the CLI use without bundling the analysis.
import type { FormatId } from '../views/captureView';
import { isKmemleakSignature } from './kmemleak';
import { isPerfScriptSignature } from './perfScript';
import { isFtraceSignature } from './ftrace';
import { isSlabinfoSignature } from './slabinfo';
import { isSlabtopSignature } from './slabtop';
import { isMeminfoSignature } from './meminfo';
import { isBuddyinfoSignature } from './buddyinfo';
import { isSlubDebugSignature } from './slubDebug';
import { isVmallocinfoSignature } from './vmallocinfo';
import { isPageOwnerSignature } from './pageOwner';
import { isAllocinfoSignature } from './allocinfo';
import { isBccMemleakSignature } from './bccMemleak';
import { isBpftraceSignature } from './bpftrace';

export interface FormatSignature {
  id: FormatId;
  /** Language id contributed by the extension (buddyinfo shares meminfo's). */
  languageId: string;
  /** Does this line (anywhere in the head of a file) identify the format? */
  signature(line: string): boolean;
}

export const FORMAT_SIGNATURES: readonly FormatSignature[] = [
  { id: 'kmemleak', languageId: 'kmemleak', signature: isKmemleakSignature },
  { id: 'perf-script', languageId: 'perf-script', signature: isPerfScriptSignature },
  { id: 'ftrace', languageId: 'ftrace', signature: isFtraceSignature },
  { id: 'slabinfo', languageId: 'slabinfo', signature: isSlabinfoSignature },
  { id: 'slabtop', languageId: 'slabtop', signature: isSlabtopSignature },
  { id: 'meminfo', languageId: 'meminfo', signature: isMeminfoSignature },
  { id: 'buddyinfo', languageId: 'meminfo', signature: isBuddyinfoSignature },
  { id: 'slub-debug', languageId: 'slub-debug', signature: isSlubDebugSignature },
  { id: 'vmallocinfo', languageId: 'vmallocinfo', signature: isVmallocinfoSignature },
  { id: 'page-owner', languageId: 'page-owner', signature: isPageOwnerSignature },
  { id: 'allocinfo', languageId: 'allocinfo', signature: isAllocinfoSignature },
  { id: 'bcc-memleak', languageId: 'bcc-memleak', signature: isBccMemleakSignature },
  { id: 'bpftrace', languageId: 'bpftrace-output', signature: isBpftraceSignature },
];

/** The format this line identifies, if any (the first whose signature matches). */
export function signatureOfLine(line: string): FormatSignature | undefined {
  return FORMAT_SIGNATURES.find((f) => f.signature(line));
}

export interface HeadDetection {
  format: FormatSignature;
  /** 0-based index of the first line that identifies it. */
  line: number;
  /** How many lines of the head carry its signature (evidence for callers that need confidence). */
  evidence: number;
}

/** The format of a file's head, as the server and CLI pick it (the first line with a signature decides). */
export function detectHead(lines: readonly string[]): HeadDetection | undefined {
  let found: HeadDetection | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (!found) {
      const format = signatureOfLine(lines[i]);
      if (format) found = { format, line: i, evidence: 1 };
    } else if (found.format.signature(lines[i])) {
      found.evidence++;
    }
  }
  return found;
}
