import { DocumentLink } from 'vscode-languageserver';
import { CaptureView } from '../analysis/views/captureView';
import { DocumentSymbols } from '../symbolService';
import { SourceLinkSettings } from './sourceLinks';
import { frameTarget } from './symbolLinks';

/** Links on frames: the local source line when symbolisation found it, else the web source browser. */
export function documentLinks(view: CaptureView, settings: SourceLinkSettings, symbols?: DocumentSymbols): DocumentLink[] {
  const links: DocumentLink[] = [];
  for (const { frame } of view.frames) {
    const target = frameTarget(frame, symbols?.frames.get(frame), settings);
    if (target) links.push({ range: frame.symbolRange, target: target.link, tooltip: target.tooltip });
  }
  return links;
}
