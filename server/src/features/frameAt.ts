import { Position } from 'vscode-languageserver';
import { Frame } from '../analysis/model';
import { CaptureView, FrameOccurrence } from '../analysis/views/captureView';

/** The frame whose symbol (or bare address) is under the cursor. */
export function frameAt(view: CaptureView, pos: Position): FrameOccurrence | undefined {
  return view.frames.find(({ frame: f }) => {
    const r = f.symbolRange;
    return r.start.line === pos.line && pos.character >= r.start.character && pos.character <= r.end.character;
  });
}

/** The stack frame or `call_site=` frame whose symbol (or address) is under the cursor. */
export function anyFrameAt(view: CaptureView, callSites: Frame[] | undefined, pos: Position): Frame | undefined {
  const hit = frameAt(view, pos)?.frame;
  if (hit || !callSites) return hit;
  return callSites.find((f) => {
    const r = f.symbolRange;
    return r.start.line === pos.line && pos.character >= r.start.character && pos.character <= r.end.character;
  });
}
