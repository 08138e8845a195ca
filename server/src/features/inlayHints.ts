// Inlay hints: after a bare address (`0xffffffffc08ea070`, `call_site=ffffffff951b4836`) the
// symbol kallsyms/System.map gives it (`kmem_test_work_fn+0x47/0x60 [kmem_test]`), and after a
// frame resolved to a line its `file:line`, as decode_stacktrace.sh would print it.
import * as path from 'node:path';
import { InlayHint, InlayHintKind, MarkupKind, Range as LspRange } from 'vscode-languageserver';
import { Range } from '../analysis/model';
import { CaptureView } from '../analysis/views/captureView';
import { formatSymbolized } from '../analysis/symbolize/kallsyms';
import { FrameResolution } from '../analysis/symbolize/symbolizer';
import { DocumentSymbols } from '../symbolService';
import { resolutionMarkdown } from './symbolHover';

const MAX_HINTS = 20_000;

function within(r: Range, visible: LspRange): boolean {
  return r.start.line >= visible.start.line && r.start.line <= visible.end.line;
}

function hintsFor(end: Range['end'], r: FrameResolution, bare: boolean): InlayHint[] {
  const hints: InlayHint[] = [];
  const tooltip = { kind: MarkupKind.Markdown, value: resolutionMarkdown(r) };
  if (bare && r.symbolized) {
    hints.push({ position: end, label: `${formatSymbolized(r.symbolized)}`, kind: InlayHintKind.Type, paddingLeft: true, tooltip });
  }
  if (r.location && r.sites.length > 0) {
    hints.push({ position: end, label: `${path.basename(r.location.file)}:${r.location.line}`, paddingLeft: true, tooltip });
  }
  return hints;
}

export function inlayHints(view: CaptureView, visible: LspRange, symbols: DocumentSymbols): InlayHint[] {
  const hints: InlayHint[] = [];
  for (const frame of [...view.frames.map((o) => o.frame), ...symbols.callSites]) {
    if (hints.length >= MAX_HINTS) break;
    if (!within(frame.range, visible)) continue;
    const r = symbols.frames.get(frame);
    if (!r) continue;
    // After the whole frame: `[<addr>] sym+off/len [mod]` stays readable.
    const end = frame.symbol ? frame.range.end : frame.symbolRange.end;
    hints.push(...hintsFor(end, r, !frame.symbol));
  }
  return hints;
}
