// Parses one printed stack frame in any of the kernel's spellings:
//   [<ffffffffa0937013>] nvme_tcp_setup_ctrl+0x70c/0xbe0 [nvme_tcp]     (pre-6.8 kmemleak, oops)
//   kmem_cache_alloc_noprof+0x397/0x5a0 mm/slub.c:5287                  (6.8+, syzbot symbolised)
//   __vmalloc_node mm/vmalloc.c:2617 [inline]                           (inlined frame)
//   kmem_cache_alloc (mm/slub.c:3234)                                   (decode_stacktrace.sh)
//   leaky_init (drivers/leaky/leaky.c:42 (discriminator 3)) leaky       (decode_stacktrace.sh, module)
//   [<00000000adf25388>] 0xffffffffc08ea070                             (unresolved address)
//   [<(____ptrval____)>] kmemleak_alloc+0x3c/0x50                       (address hidden: %p before
//                                                                        the hashing key was ready)
//   ? __kmalloc+0x1c/0x2b0                                              (unreliable)
import { Frame, Range, Token, TokenKind, range } from './model';
import { isTerminatorAddress } from './symbols';

// `(____ptrval____)` (64-bit) and `(ptrval)` (32-bit) stand for a %p address printed before
// its hashing key was ready: still a frame, with an unknown address.
const ADDR_BRACKET = /\[<(?:([0-9a-fA-F]{1,16})|\((?:____ptrval____|ptrval)\))>\] ?/y;
const UNRELIABLE = /\? /y;
const BARE_ADDR = /0x([0-9a-fA-F]{1,16})(?![\w.+])/y;
const SYMBOL = /[A-Za-z_.$][\w.$]*/y;
const OFFSET = /\+0x([0-9a-fA-F]+)(?:\/0x([0-9a-fA-F]+))?/y;
const MODULE = / \[([\w-]+)\]/y;
// decode_stacktrace.sh prints addr2line's answer in parentheses: a `(discriminator N)` may
// follow the line, and `addr2line -i` adds the locations the code was inlined into; the
// first location is the frame's own.
const PAREN_FILE =
  / \(([\w./+-]+\.[A-Za-z]+):(\d+)(?::\d+)?(?: \(discriminator \d+\))?(?: [\w./+-]+\.[A-Za-z]+:\d+(?::\d+)?(?: \(discriminator \d+\))?)*\)/y;
/** decode_stacktrace.sh prints a module frame's module bare after the location: `sym (file:line) mod`. */
const DECODED_MODULE = / ([\w-]+)(?=[ \t]*$)/y;
const FILE = / ([\w./+-]+\.[A-Za-z]+):(\d+)(?::\d+)?/y;
const INLINE = / \[inline\]/y;
const SPACES = / */y;

function at(re: RegExp, text: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(text);
}

export interface ParsedFrame {
  frame: Frame;
  /** A printed terminator (`[<ffffffffffffffff>] 0xffffffffffffffff`): not a frame, ends the stack. */
  terminator: boolean;
}

/**
 * Parse `text` from column `from` as a frame on `line`. Returns undefined when the text is not
 * a frame. A bare identifier is not accepted: a frame needs an address, an offset or a source
 * location, so prose and other log lines are not mistaken for frames.
 */
export function parseFrame(text: string, from: number, line: number): ParsedFrame | undefined {
  let pos = from + at(SPACES, text, from)![0].length;
  const start = pos;
  let address: string | undefined;
  let unreliable = false;
  let m = at(ADDR_BRACKET, text, pos);
  let addressRange;
  const bracketed = m !== null;
  if (m) {
    address = m[1];
    if (m[1] !== undefined) addressRange = range(line, pos + 2, pos + 2 + m[1].length);
    pos += m[0].length;
  }
  m = at(UNRELIABLE, text, pos);
  if (m) {
    unreliable = true;
    pos += m[0].length;
  }
  const frame: Frame = {
    address,
    inline: false,
    unreliable,
    range: range(line, start, text.length),
    symbolRange: range(line, pos, pos),
    addressRange,
  };
  m = at(BARE_ADDR, text, pos);
  if (m) {
    frame.address = m[1];
    frame.symbolRange = range(line, pos, pos + m[0].length);
    pos += m[0].length;
    readModule(frame, text, pos);
    return { frame, terminator: isTerminatorAddress(m[1]) };
  }
  m = at(SYMBOL, text, pos);
  if (!m) return undefined;
  frame.symbol = m[0];
  frame.symbolRange = range(line, pos, pos + m[0].length);
  pos += m[0].length;
  let located = bracketed;
  m = at(OFFSET, text, pos);
  if (m) {
    frame.offset = parseInt(m[1], 16);
    if (m[2] !== undefined) frame.size = parseInt(m[2], 16);
    frame.offsetRange = range(line, pos, pos + m[0].length);
    pos += m[0].length;
    located = true;
  }
  pos = readModule(frame, text, pos);
  const paren = at(PAREN_FILE, text, pos);
  m = paren ?? at(FILE, text, pos);
  if (m) {
    frame.file = m[1];
    frame.fileLine = Number(m[2]);
    const fileAt = pos + m[0].indexOf(m[1]);
    frame.fileRange = range(line, fileAt, fileAt + m[1].length + 1 + m[2].length);
    pos += m[0].length;
    located = true;
  }
  if (paren && !frame.module && (m = at(DECODED_MODULE, text, pos))) {
    frame.module = m[1];
    frame.moduleRange = range(line, pos + 1, pos + 1 + m[1].length);
    pos += m[0].length;
  }
  m = at(INLINE, text, pos);
  if (m) {
    frame.inline = true;
    pos += m[0].length;
  }
  if (!located) return undefined;
  // Whatever follows must be blank: "foo+0x1/0x2 and more prose" is not a frame.
  if (text.slice(pos).trim() !== '') {
    return undefined;
  }
  return { frame, terminator: false };
}

function readModule(frame: Frame, text: string, pos: number): number {
  const m = at(MODULE, text, pos);
  if (m && m[1] !== 'inline') {
    frame.module = m[1];
    frame.moduleRange = range(frame.range.start.line, pos + 2, pos + 2 + m[1].length);
    return pos + m[0].length;
  }
  return pos;
}

/** `sym+0xoff/0xlen [mod]` — how a frame is shown in messages and hovers. */
export function frameLabel(f: Frame): string {
  if (!f.symbol) return `0x${f.address ?? '?'}`;
  let s = f.symbol;
  if (f.offset !== undefined) s += `+0x${f.offset.toString(16)}`;
  if (f.size !== undefined) s += `/0x${f.size.toString(16)}`;
  if (f.module) s += ` [${f.module}]`;
  return s;
}

/** Semantic tokens of a parsed frame, in line order. */
export function frameTokens(f: Frame): Token[] {
  const out: Token[] = [];
  const add = (r: Range | undefined, kind: TokenKind) => {
    if (r && r.end.character > r.start.character) {
      out.push({ line: r.start.line, character: r.start.character, length: r.end.character - r.start.character, kind });
    }
  };
  add(f.addressRange, 'address');
  add(f.symbolRange, f.symbol ? 'function' : 'address');
  add(f.offsetRange, 'offset');
  add(f.moduleRange, 'module');
  add(f.fileRange, 'file');
  return out;
}
