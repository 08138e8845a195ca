import { Location, Position } from 'vscode-languageserver';
import { CaptureView } from '../analysis/views/captureView';
import { frameAt } from './frameAt';
import { SourceLinkSettings, sourceUrl } from './sourceLinks';

/**
 * Go to definition of a frame: its kernel source. Until local symbol resolution exists the
 * target is the web source browser; the client opens http(s) locations externally.
 */
export function definition(view: CaptureView, pos: Position, settings: SourceLinkSettings): Location[] {
  const hit = frameAt(view, pos);
  const url = hit && sourceUrl(hit.frame, settings);
  return url ? [{ uri: url, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }] : [];
}
