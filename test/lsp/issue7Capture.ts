// Opening the issue-7 fixtures (SLUB debug, vmallocinfo, page_owner, allocinfo, BCC memleak)
// in the LSP tests, and reading LSP answers back against the capture text.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InitializeResult, SemanticTokens } from 'vscode-languageserver-protocol/node';
import { REPO_ROOT } from './lspClient';
import { decodeSemanticTokens, DecodedToken } from './captureText';

export interface Capture {
  name: string;
  uri: string;
  text: string;
  lines: string[];
}

export function capture(dir: string, name: string): Capture {
  const file = path.join(REPO_ROOT, 'test', 'fixtures', dir, name);
  const text = fs.readFileSync(file, 'utf8');
  return { name, uri: pathToFileURL(file).href, text, lines: text.split(/\r?\n/) };
}

export function captures(dir: string): Capture[] {
  return fs
    .readdirSync(path.join(REPO_ROOT, 'test', 'fixtures', dir))
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => capture(dir, f));
}

export function tokens(init: InitializeResult, t: SemanticTokens): DecodedToken[] {
  const legend = (init.capabilities.semanticTokensProvider as { legend: { tokenTypes: string[] } }).legend;
  return decodeSemanticTokens(t.data, legend.tokenTypes);
}

/** Line (0-based) and column of the first occurrence of `needle` at or after line `from`. */
export function find(c: Capture, needle: string, from = 0): { line: number; character: number } {
  for (let i = from; i < c.lines.length; i++) {
    const at = c.lines[i].indexOf(needle);
    if (at >= 0) return { line: i, character: at };
  }
  throw new Error(`"${needle}" not in ${c.name}`);
}

/** A diagnostic's message as text (LSP 3.18 allows Markdown content). */
export function message(d: { message: string | { value: string } }): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

/**
 * The semantic token type exactly over `needle` (its first occurrence on `line`): undefined when
 * no token starts there or the token there is not that long.
 */
export function tokenTypeAt(c: Capture, toks: DecodedToken[], line: number, needle: string, from = 0): string | undefined {
  const character = c.lines[line].indexOf(needle, from);
  if (character < 0) throw new Error(`"${needle}" not on line ${line} of ${c.name}`);
  const t = toks.find((x) => x.line === line && x.character === character);
  return t && t.length === needle.length ? t.type : undefined;
}
