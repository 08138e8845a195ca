// kmemleak for files analysed from disk (the CLI, kleak/analyzeFile): objects are grouped as
// their records end and then dropped, so a capture of millions of objects costs memory for its
// distinct backtraces only. The view has what a file analysis reports — records, suspects (with
// their first sample records) and the problems of the input — and nothing an editor needs.
import { problemFindings } from './viewKit';
import { KmemleakParser } from '../formats/kmemleak';
import { BacktraceGrouper, kmemleakSuspects } from '../kmemleakGroups';
import { CaptureView } from './captureView';

/** Objects kept per backtrace group: the suspect's samples. */
const KEPT_PER_GROUP = 20;

export function kmemleakFileAnalyzer(): { push(line: string): void; finish(): CaptureView } {
  const grouper = new BacktraceGrouper(KEPT_PER_GROUP);
  let records = 0;
  const parser = new KmemleakParser({
    detail: false,
    onObject: (o) => {
      records++;
      grouper.add(o);
    },
  });
  return {
    push: (line) => parser.push(line),
    finish: () => {
      const report = parser.finish();
      return {
        format: 'kmemleak',
        records,
        findings: problemFindings(report.problems),
        suspects: kmemleakSuspects(grouper.result()),
        outline: [],
        folds: [],
        tokens: [],
        frames: [],
        lenses: [],
        hover: () => undefined,
      };
    },
  };
}
