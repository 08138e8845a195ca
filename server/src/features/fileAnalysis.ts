// The result of analysing a capture file on disk, as sent to the client.
import { LineStats } from '../analysis/lineReader';
import { CaptureView, isInputProblem } from '../analysis/views/captureView';
import { FileAnalysis } from '../protocol';
import { suspectDto } from './captureSummary';

/** Problems sent per file: enough to act on, bounded for a file of millions of lines. */
const MAX_PROBLEMS = 1000;

export function fileAnalysis(path: string, view: CaptureView, stats: LineStats): FileAnalysis {
  const problems = view.findings.filter(isInputProblem);
  return {
    path,
    format: view.format,
    records: view.records,
    bytes: view.suspects.reduce((s, x) => s + x.bytes, 0),
    lines: stats.lines,
    suspects: view.suspects.map(suspectDto),
    problems: problems.slice(0, MAX_PROBLEMS).map((p) => ({ line: p.range.start.line, severity: p.severity, message: p.message })),
    problemCount: problems.length,
  };
}
