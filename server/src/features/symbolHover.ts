// The symbolisation part of a frame's hover: the symbol of a bare address, the resolved
// `file:line` and the inline chain (each line a link when the file is local), and why
// resolution failed when it did.
import { Hover, MarkupContent, MarkupKind, Position } from 'vscode-languageserver';
import { Range } from '../analysis/model';
import { CaptureView } from '../analysis/views/captureView';
import { formatSymbolized } from '../analysis/symbolize/kallsyms';
import { FrameResolution, ResolvedLocation } from '../analysis/symbolize/symbolizer';
import { DocumentSymbols } from '../symbolService';
import { anyFrameAt } from './frameAt';
import { localLink } from './symbolLinks';

const MAX_NOTES = 4;

/** Markdown-safe inline code. */
function code(s: string): string {
  const clean = s.replace(/[\r\n`]/g, ' ').slice(0, 300);
  return `\`${clean}\``;
}

/** Plain text inside Markdown emphasis: special characters escaped, not dropped (symbol names and paths hold `_`). */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\r\n]/g, ' ').replace(/[\\`*_[\]<>]/g, (c) => `\\${c}`);
}

function where(loc: ResolvedLocation): string {
  const text = `${loc.file}:${loc.line}${loc.discriminator !== undefined ? ` (discriminator ${loc.discriminator})` : ''}`;
  const local = localLink(loc);
  return local ? `[${code(text)}](${local.link})` : code(text);
}

export function resolutionMarkdown(r: FrameResolution): string {
  const out: string[] = [];
  if (r.symbolized) out.push(`**${code(formatSymbolized(r.symbolized))}** (from ${r.symbolized.source})`);
  const sites = r.sites.filter((s) => s.chain.length > 0);
  if (sites.length > 0) {
    for (const s of sites) {
      if (sites.length > 1) out.push(`${code(s.symbol)} at ${s.section ? `${s.section}+` : ''}0x${s.address}:`);
      // Outermost (the frame's own function) first, then what was inlined into it.
      const chain = [...s.chain].reverse();
      chain.forEach((loc, i) => {
        const fn = loc.function ? `${code(loc.function)} ` : '';
        out.push(i === 0 ? `Source: ${fn}${where(loc)}` : `${'\u00a0'.repeat(2 * i)}↳ inlined ${fn}${where(loc)}`);
      });
    }
  } else if (r.location) out.push(`Source: ${where(r.location)}`);
  if (r.binary) out.push(`Symbols: ${code(r.binary)}`);
  for (const n of r.notes.slice(0, MAX_NOTES)) out.push(`_${escapeMarkdown(n)}_`);
  return out.join('\n\n');
}

/** The hover of `base` (the capture's own) with the frame's symbolisation appended. */
export function withSymbolHover(base: Hover | null, view: CaptureView, pos: Position, symbols: DocumentSymbols): Hover | null {
  const hit = anyFrameAt(view, symbols.callSites, pos);
  const resolution = hit && symbols.frames.get(hit);
  const range: Range | undefined = hit?.range;
  if (!resolution) return base;
  const extra = resolutionMarkdown(resolution);
  if (!extra) return base;
  if (!base) return { contents: { kind: MarkupKind.Markdown, value: extra }, range };
  const value = (base.contents as MarkupContent).value;
  return { ...base, contents: { kind: MarkupKind.Markdown, value: `${value}\n\n---\n\n${extra}` } };
}
