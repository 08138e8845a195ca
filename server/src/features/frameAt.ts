import { Position } from 'vscode-languageserver';
import { CaptureView, FrameOccurrence } from '../analysis/views/captureView';

/** The frame whose symbol (or bare address) is under the cursor. */
export function frameAt(view: CaptureView, pos: Position): FrameOccurrence | undefined {
  return view.frames.find(({ frame: f }) => {
    const r = f.symbolRange;
    return r.start.line === pos.line && pos.character >= r.start.character && pos.character <= r.end.character;
  });
}
