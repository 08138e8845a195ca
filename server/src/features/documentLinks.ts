import { DocumentLink } from 'vscode-languageserver';
import { CaptureView } from '../analysis/views/captureView';
import { SourceLinkSettings, sourceUrl } from './sourceLinks';

export function documentLinks(view: CaptureView, settings: SourceLinkSettings): DocumentLink[] {
  const links: DocumentLink[] = [];
  for (const { frame } of view.frames) {
    const target = sourceUrl(frame, settings);
    if (target) links.push({ range: frame.symbolRange, target, tooltip: `Open ${frame.symbol} in the kernel source` });
  }
  return links;
}
