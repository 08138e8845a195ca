import { DocumentSymbol, SymbolKind } from 'vscode-languageserver';
import { CaptureView, OutlineItem, OutlineKind } from '../analysis/views/captureView';

const KIND: Record<OutlineKind, SymbolKind> = {
  summary: SymbolKind.File,
  group: SymbolKind.Function,
  object: SymbolKind.Object,
  frame: SymbolKind.Function,
  event: SymbolKind.Event,
};

function toSymbol(item: OutlineItem): DocumentSymbol {
  return {
    name: item.name || '(unnamed)',
    detail: item.detail,
    kind: KIND[item.kind],
    range: item.range,
    selectionRange: item.selectionRange,
    children: item.children.map(toSymbol),
  };
}

export function documentSymbols(view: CaptureView): DocumentSymbol[] {
  return view.outline.map(toSymbol);
}
