// One frame of a stack printed inside a bpftrace map key. bpftrace writes offsets in decimal:
//       alloc_empty_file+60                                     (kstack, ustack)
//       0xffffffffc0a1b2c3                                      (unresolved address)
//   	ffffffff8164da5f __kmalloc_cache_noprof+575              (kstack(perf))
//   	7fdc706dbb09 __GI___pipe+9 (/usr/lib/x86_64-linux-gnu/libc.so.6)   (ustack(perf))
//   	ffffffff81311621                                         (kstack(raw), newer bpftrace)
// C++ user frames may be demangled (spaces, parentheses), so the symbol is whatever remains once
// the address, the offset and the binary are taken off — but never text with control characters.
import { Frame, range } from '../model';

// 8+ digits: an address, not a short function name made of hex letters (`add`, `cafe`).
const PERF_ADDRESS = /[0-9a-fA-F]{8,16}(?= |$)/y;
const HEX_ADDRESS = /^0x([0-9a-fA-F]{1,16})$/;
const OFFSET = /\+(\d{1,12})$/;
const MODULE = / \[([\w.-]{1,64})\]$/;
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f\ufffd]/;

export interface BpftraceFrame {
  frame: Frame;
  /** A user-space frame: a user address or a binary other than the kernel's. */
  user: boolean;
}

/** Lowest kernel address on 64-bit machines: user addresses are below it. */
const KERNEL_START = 0x8000_0000_0000n;

function userAddress(hex: string): boolean {
  return hex.length >= 9 && BigInt(`0x${hex}`) < KERNEL_START;
}

/**
 * Parse the frame printed on `text` (an indented line inside a map key), columns of the line.
 * Undefined when the line holds no frame.
 */
export function parseBpftraceFrame(text: string, line: number): BpftraceFrame | undefined {
  let start = 0;
  while (start < text.length && (text[start] === ' ' || text[start] === '\t')) start++;
  let end = text.length;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  if (start === end || CONTROL.test(text.slice(start, end))) return undefined;
  const frame: Frame = { inline: false, unreliable: false, range: range(line, start, end), symbolRange: range(line, start, start) };
  let user = false;
  let pos = start;

  // kstack(perf)/ustack(perf): the address comes first, then a space and the symbol.
  PERF_ADDRESS.lastIndex = pos;
  const perf = PERF_ADDRESS.exec(text.slice(0, end));
  if (perf) {
    frame.address = perf[0].toLowerCase();
    frame.addressRange = range(line, pos, pos + perf[0].length);
    user = userAddress(frame.address);
    pos += perf[0].length;
    while (pos < end && text[pos] === ' ') pos++;
    if (pos === end) {
      frame.symbolRange = frame.addressRange;
      return { frame, user };
    }
  }

  // A binary in parentheses (perf mode): the kernel's own is `[kernel.kallsyms]`.
  if (text[end - 1] === ')') {
    const open = text.lastIndexOf(' (', end);
    if (open > pos) {
      const binary = text.slice(open + 2, end - 1);
      if (binary !== '[kernel.kallsyms]' && binary !== 'kernel.kallsyms') {
        user = true;
        if (binary !== '[unknown]') {
          const base = binary.slice(binary.lastIndexOf('/') + 1);
          frame.module = base;
          frame.moduleRange = range(line, end - 1 - base.length, end - 1);
        }
      }
      end = open;
    }
  }
  const mod = MODULE.exec(text.slice(pos, end));
  if (mod) {
    frame.module = mod[1];
    frame.moduleRange = range(line, end - 1 - mod[1].length, end - 1);
    end -= mod[0].length;
  }

  const body = text.slice(pos, end);
  const hex = HEX_ADDRESS.exec(body);
  if (hex) {
    frame.address = hex[1].toLowerCase();
    frame.symbolRange = range(line, pos, end);
    return { frame, user: user || userAddress(frame.address) };
  }
  if (body === '[unknown]') {
    if (!frame.addressRange) return undefined;
    frame.symbolRange = frame.addressRange;
    return { frame, user };
  }
  const off = OFFSET.exec(body);
  const symbolEnd = off ? end - off[0].length : end;
  if (symbolEnd === pos) return undefined;
  frame.symbol = text.slice(pos, symbolEnd);
  frame.symbolRange = range(line, pos, symbolEnd);
  if (off) {
    frame.offset = Number(off[1]);
    frame.offsetRange = range(line, symbolEnd, end);
  }
  return { frame, user };
}

/** `sym+60` as bpftrace prints it (decimal offset), for hovers and messages. */
export function bpftraceFrameLabel(f: Frame): string {
  if (!f.symbol) return `0x${f.address ?? '?'}`;
  return `${f.symbol}${f.offset !== undefined ? `+${f.offset}` : ''}${f.module ? ` [${f.module}]` : ''}`;
}
