import { Hover, MarkupKind, Position } from 'vscode-languageserver';
import { CaptureView } from '../analysis/views/captureView';

export function hover(view: CaptureView, position: Position): Hover | null {
  const h = view.hover(position);
  return h ? { contents: { kind: MarkupKind.Markdown, value: h.contents }, range: h.range } : null;
}
