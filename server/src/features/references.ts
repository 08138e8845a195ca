import { Location, Position } from 'vscode-languageserver';
import { frameKey } from '../analysis/stacks';
import { CaptureService } from '../captureService';
import { frameAt } from './frameAt';

/** Every frame of the same function (or address) in all open captures. */
export function references(service: CaptureService, uri: string, pos: Position): Location[] {
  const view = service.view(uri);
  const hit = view && frameAt(view, pos);
  if (!hit) return [];
  const key = frameKey(hit.frame);
  const out: Location[] = [];
  for (const { uri: other, view: v } of service.all()) {
    for (const { frame } of v.frames) if (frameKey(frame) === key) out.push({ uri: other, range: frame.symbolRange });
  }
  return out;
}
