import { Location, Position } from 'vscode-languageserver';
import { CaptureView } from '../analysis/views/captureView';
import { DocumentSymbols } from '../symbolService';
import { anyFrameAt } from './frameAt';
import { SourceLinkSettings } from './sourceLinks';
import { frameTarget } from './symbolLinks';

/**
 * Go to definition of a frame or a `call_site=`: the local source line when symbolisation found it, else the
 * web source browser (the client opens http(s) locations externally).
 */
export function definition(view: CaptureView, pos: Position, settings: SourceLinkSettings, symbols?: DocumentSymbols): Location[] {
  const hit = anyFrameAt(view, symbols?.callSites, pos);
  const t = hit && frameTarget(hit, symbols?.frames.get(hit), settings);
  return t ? [{ uri: t.uri, range: { start: { line: t.line, character: 0 }, end: { line: t.line, character: 0 } } }] : [];
}
