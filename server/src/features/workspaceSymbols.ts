import { Range, SymbolInformation, SymbolKind } from 'vscode-languageserver';
import { frameKey } from '../analysis/stacks';
import { CaptureService } from '../captureService';

const MAX_RESULTS = 1000;

/** Functions and modules seen in the stacks of all open captures, first occurrence of each. */
export function workspaceSymbols(service: CaptureService, query: string): SymbolInformation[] {
  const q = query.toLowerCase();
  const out: SymbolInformation[] = [];
  for (const { uri, view } of service.all()) {
    const seen = new Set<string>();
    for (const { frame } of view.frames) {
      const add = (name: string, kind: SymbolKind, range: Range, container?: string) => {
        const id = `${kind}:${name}`;
        if (seen.has(id) || !name.toLowerCase().includes(q)) return;
        seen.add(id);
        out.push({ name, kind, containerName: container, location: { uri, range } });
      };
      if (frame.symbol) add(frameKey(frame), SymbolKind.Function, frame.symbolRange, frame.module);
      if (frame.module) add(frame.module, SymbolKind.Module, frame.moduleRange ?? frame.symbolRange);
      if (out.length >= MAX_RESULTS) return out;
    }
  }
  return out;
}
