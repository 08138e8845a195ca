import { FoldingRange } from 'vscode-languageserver';
import { CaptureView } from '../analysis/views/captureView';

export function foldingRanges(view: CaptureView): FoldingRange[] {
  return view.folds.map((f) => ({ startLine: f.startLine, endLine: f.endLine, kind: 'region' }));
}
