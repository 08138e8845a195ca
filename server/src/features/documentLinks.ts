import { DocumentLink } from 'vscode-languageserver';
import { CaptureView } from '../analysis/views/captureView';
import { DocumentSymbols } from '../symbolService';
import { SourceLinkSettings } from './sourceLinks';
import { frameTarget } from './symbolLinks';

/**
 * Links on frames and `call_site=` fields: the local source line when symbolisation found it,
 * else the web source browser (a bare address links once kallsyms/System.map named it).
 */
export function documentLinks(view: CaptureView, settings: SourceLinkSettings, symbols?: DocumentSymbols): DocumentLink[] {
  const links: DocumentLink[] = [];
  for (const frame of [...view.frames.map((o) => o.frame), ...(symbols?.callSites ?? [])]) {
    const target = frameTarget(frame, symbols?.frames.get(frame), settings);
    if (target) links.push({ range: frame.symbolRange, target: target.link, tooltip: target.tooltip });
  }
  return links;
}
