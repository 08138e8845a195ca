import { SemanticTokens, SemanticTokensBuilder, SemanticTokensLegend } from 'vscode-languageserver';
import { TokenKind } from '../analysis/model';
import { CaptureView } from '../analysis/views/captureView';

/** Custom types are declared in package.json with a standard super type, so themes colour them. */
const TYPES: Record<TokenKind, string> = {
  address: 'address',
  function: 'function',
  offset: 'offset',
  module: 'module',
  size: 'size',
  process: 'process',
  number: 'number',
  keyword: 'keyword',
  file: 'sourceLocation',
  prefix: 'logPrefix',
  cache: 'slabCache',
  field: 'property',
};

const TOKEN_TYPES = [...new Set(Object.values(TYPES))];

export const semanticTokensLegend: SemanticTokensLegend = { tokenTypes: TOKEN_TYPES, tokenModifiers: [] };

export function semanticTokens(view: CaptureView): SemanticTokens {
  const sorted = [...view.tokens].sort((a, b) => a.line - b.line || a.character - b.character);
  const builder = new SemanticTokensBuilder();
  let lastLine = -1;
  let lastEnd = 0;
  for (const t of sorted) {
    if (t.length <= 0) continue;
    // Tokens must not overlap; the first one at a place wins.
    if (t.line === lastLine && t.character < lastEnd) continue;
    builder.push(t.line, t.character, t.length, TOKEN_TYPES.indexOf(TYPES[t.kind]), 0);
    lastLine = t.line;
    lastEnd = t.character + t.length;
  }
  return builder.build();
}
