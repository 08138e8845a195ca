// What a kmemleak capture says, read straight from its text with deliberately simple rules, so
// the LSP tests compare the server against the capture and not against the server's own code.

export interface TextFrame {
  line: number;
  /** Printed symbol (with clone suffix), undefined for an unresolved `0x…` frame. */
  symbol?: string;
  /** Column of the symbol (or bare address) on its line. */
  character: number;
  /** Function name without offset and clone suffix, or the bare address. */
  key: string;
  module?: string;
}

export interface TextRecord {
  headerLine: number;
  headerCharacter: number;
  /** `unreferenced object 0x… (size N):` as printed. */
  headerText: string;
  address: string;
  size: number;
  /** Last line of the record (before a blank line, the next header or `BUG: memory leak`). */
  endLine: number;
  frames: TextFrame[];
}

const HEADER = /unreferenced object 0x([0-9a-f]+) \(size (\d+)\):?/;
const FRAME = /^\s*(?:\[<[0-9a-f]+>\]\s*)?(0x[0-9a-f]+(?![0-9a-f])|[A-Za-z_.$][\w.$]*(?![\w.$]))(.*)$/;
const CLONE = /\.(?:cold|isra|constprop|part)(?:\.\d+)*$/;

export function records(lines: string[]): TextRecord[] {
  const out: TextRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = HEADER.exec(lines[i]);
    if (!m) continue;
    const rec: TextRecord = {
      headerLine: i,
      headerCharacter: m.index,
      headerText: m[0],
      address: m[1],
      size: Number(m[2]),
      endLine: i,
      frames: [],
    };
    let inBacktrace = false;
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j];
      if (l.trim() === '' || HEADER.test(l) || l.startsWith('BUG: memory leak')) break;
      rec.endLine = j;
      if (/^\s*backtrace\b/.test(l)) {
        inBacktrace = true;
        continue;
      }
      const f = inBacktrace ? FRAME.exec(l) : null;
      if (!f) continue;
      const token = f[1];
      const unresolved = token.startsWith('0x');
      const mod = /\[([\w-]+)\]/.exec(f[2]);
      rec.frames.push({
        line: j,
        symbol: unresolved ? undefined : token,
        character: l.length - f[2].length - token.length,
        key: unresolved ? token : token.replace(CLONE, ''),
        module: mod && mod[1] !== 'inline' ? mod[1] : undefined,
      });
    }
    out.push(rec);
    i = rec.endLine;
  }
  return out;
}

/** Records with the same printed backtrace (offsets, addresses, clone suffixes ignored). */
export function backtraceGroups(recs: TextRecord[]): TextRecord[][] {
  const groups = new Map<string, TextRecord[]>();
  for (const r of recs) {
    const sig = r.frames.length === 0 ? `missing@${r.headerLine}` : r.frames.map((f) => f.key).join('\n');
    const g = groups.get(sig) ?? [];
    g.push(r);
    groups.set(sig, g);
  }
  return [...groups.values()];
}

/** Non-blank lines outside every record that are not `BUG: memory leak` headers. */
export function linesOutsideRecords(lines: string[], recs: TextRecord[]): number[] {
  const inside = new Set<number>();
  for (const r of recs) for (let l = r.headerLine; l <= r.endLine; l++) inside.add(l);
  const out: number[] = [];
  lines.forEach((l, i) => {
    if (!inside.has(i) && l.trim() !== '' && !l.startsWith('BUG: memory leak')) out.push(i);
  });
  return out;
}

export interface DecodedToken {
  line: number;
  character: number;
  length: number;
  type: string;
}

/** Decode LSP relative semantic token data with the server's legend. */
export function decodeSemanticTokens(data: number[], tokenTypes: string[]): DecodedToken[] {
  if (data.length % 5 !== 0) throw new Error(`semantic token data length ${data.length} is not a multiple of 5`);
  const out: DecodedToken[] = [];
  let line = 0;
  let character = 0;
  for (let i = 0; i < data.length; i += 5) {
    const [dLine, dStart, length, type] = data.slice(i, i + 4);
    line += dLine;
    character = dLine === 0 ? character + dStart : dStart;
    out.push({ line, character, length, type: tokenTypes[type] ?? `#${type}` });
  }
  return out;
}

/** The text a single-line LSP range covers. */
export function textAt(lines: string[], r: { start: { line: number; character: number }; end: { line: number; character: number } }): string {
  if (r.start.line !== r.end.line) throw new Error(`range spans lines ${r.start.line}-${r.end.line}`);
  return lines[r.start.line].slice(r.start.character, r.end.character);
}
