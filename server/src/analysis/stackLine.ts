// One stack frame line in any of the spellings the SLUB, page_owner and BCC formats print,
// on top of frames.ts (which knows the kmemleak/oops spellings):
//   \t__slab_alloc+0x51/0x90                                   (SLUB track, tab-indented)
//   [c000001fefdef800] [c000000000644278] dump_stack+0xec/0x144 (unreliable)   (ppc64 oops)
//   [<c00128d8>] (unwind_backtrace+0x0/0xf0) from [<c000ff14>] (show_stack+0x10/0x14)   (old ARM)
//   [<bf00a000>] (mymod_init+0x0/0x100 [mymod]) from [<c0008b4c>] (do_one_initcall+0x40/0x1a0)
//   Function entered at [<c002c0f4>] from [<c0261d0c>]          (old ARM without kallsyms)
//   [0xc012b7b9] find_lock_page+25                             (2.6 page_owner, decimal offset)
//   0 [<ffffffffad44ab78>] __alloc_pages_nodemask+0x1e8        (libbpf-tools memleak)
//   pcpu_alloc+0x3d8 [kernel] / bpf_prog_load [kernel]         (BCC memleak)
//   0xffffffe1294db528      [unknown]                          (BCC, unresolved)
// Columns always refer to the physical line: variants are parsed by blanking the decoration
// with spaces (same length) and handing the rest to parseFrame.
import { Frame, range } from './model';
import { ParsedFrame, parseFrame } from './frames';

const WS = /[ \t]*/y;
const PPC = /\[[0-9a-fA-F]{8,16}\] \[([0-9a-fA-F]{8,16})\] /y;
// `(sym+off/len [mod])` before 3.15; `(sym [mod])` since (the callee is printed with %ps).
const ARM_OLD = /\[<([0-9a-fA-F]{8,16})>\] \(([A-Za-z_.$][\w.$]*)(\+0x[0-9a-fA-F]+\/0x[0-9a-fA-F]+)?(?: \[([\w.-]+)\])?\) from /y;
const ARM_NO_KALLSYMS = /Function entered at \[<([0-9a-fA-F]{8,16})>\] from \[<[0-9a-fA-F]{8,16}>\][ \t]*$/y;
/** Registers old ARM saves per frame (arch/arm/lib/backtrace.S), printed between frames. */
const ARM_REGISTERS = /^[ \t]*(?:r\d{1,2}:[0-9a-fA-F]{8}[ \t]*)+$/;
const LEGACY = /\[0x([0-9a-fA-F]{1,16})\] ([A-Za-z_.$][\w.$]*)\+(\d+)[ \t]*$/y;
const INDEXED = /\d{1,4} (?=\[<)/y;
const BARE_SYMBOL_MODULE = /([A-Za-z_.$][\w.$]*) \[([\w.-]+)\][ \t]*$/y;
const UNKNOWN = /0x([0-9a-fA-F]{1,16})[ \t]+\[unknown\][ \t]*$/y;
const UNRELIABLE_TAIL = / \(unreliable\)[ \t]*$/;

function at(re: RegExp, text: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(text);
}

function blank(text: string, from: number, to: number): string {
  return text.slice(0, from) + ' '.repeat(to - from) + text.slice(to);
}

export interface StackLineOptions {
  /** Accept `sym [module]` without offset (BCC prints no offsets before 2019). */
  bareSymbolWithModule?: boolean;
}

/**
 * Parse the frame printed in `text` from column `from` (text ends where the logical line ends).
 * Undefined when it is not a frame.
 */
export function parseStackLine(text: string, from: number, line: number, options: StackLineOptions = {}): ParsedFrame | undefined {
  let pos = from + at(WS, text, from)![0].length;
  if (pos >= text.length) return undefined;
  let work = text;
  let address: string | undefined;
  let addressAt = -1;
  let unreliable = false;
  let m: RegExpExecArray | null;

  const tail = UNRELIABLE_TAIL.exec(work.slice(pos));
  if (tail) {
    unreliable = true;
    work = work.slice(0, pos + tail.index);
  }
  if ((m = at(PPC, work, pos))) {
    address = m[1];
    addressAt = pos + m[0].indexOf(m[1], 1 + m[0].indexOf('] ['));
    work = blank(work, pos, pos + m[0].length);
    pos += m[0].length;
  } else if ((m = at(ARM_OLD, work, pos))) {
    const symAt = pos + m[0].indexOf('(') + 1;
    if (m[3] === undefined) {
      // No offset to hand to parseFrame: the frame is the symbol (and module) at that address.
      const modAt = symAt + m[2].length + 2;
      const frame: Frame = {
        symbol: m[2],
        module: m[4],
        address: m[1],
        inline: false,
        unreliable: false,
        range: range(line, pos, text.length),
        symbolRange: range(line, symAt, symAt + m[2].length),
        addressRange: range(line, pos + 2, pos + 2 + m[1].length),
        moduleRange: m[4] !== undefined ? range(line, modAt, modAt + m[4].length) : undefined,
      };
      return { frame, terminator: false };
    }
    address = m[1];
    addressAt = pos + 2;
    // Keep only the callee "sym+off/len [mod]"; the caller after "from" is the next line's frame.
    const calleeEnd = pos + m[0].length - ') from '.length;
    work = blank(work, pos, symAt).slice(0, calleeEnd);
    pos = symAt;
  } else if ((m = at(ARM_NO_KALLSYMS, work, pos))) {
    // Only the callee's address: the caller after "from" is the next line's frame.
    const addrAt = pos + m[0].indexOf('[<') + 2;
    const frame: Frame = {
      address: m[1],
      inline: false,
      unreliable: false,
      range: range(line, pos, text.length),
      symbolRange: range(line, addrAt, addrAt + m[1].length),
      addressRange: range(line, addrAt, addrAt + m[1].length),
    };
    return { frame, terminator: false };
  } else if ((m = at(LEGACY, work, pos))) {
    const symAt = pos + m[0].indexOf(m[2], m[1].length + 3);
    const frame: Frame = {
      symbol: m[2],
      offset: Number(m[3]),
      address: m[1],
      inline: false,
      unreliable: false,
      range: range(line, pos, text.length),
      symbolRange: range(line, symAt, symAt + m[2].length),
      addressRange: range(line, pos + 3, pos + 3 + m[1].length),
      offsetRange: range(line, symAt + m[2].length, symAt + m[2].length + 1 + m[3].length),
    };
    return { frame, terminator: false };
  } else if ((m = at(INDEXED, work, pos))) {
    work = blank(work, pos, pos + m[0].length);
    pos += m[0].length;
  } else if ((m = at(UNKNOWN, work, pos))) {
    const frame: Frame = {
      address: m[1],
      inline: false,
      unreliable: false,
      range: range(line, pos, text.length),
      symbolRange: range(line, pos, pos + 2 + m[1].length),
    };
    return { frame, terminator: false };
  }
  const parsed = parseFrame(work, pos, line);
  if (parsed) {
    const f = parsed.frame;
    if (address !== undefined) {
      f.address = address;
      f.addressRange = range(line, addressAt, addressAt + address.length);
    }
    if (unreliable) f.unreliable = true;
    f.range = range(line, f.range.start.character, text.length);
    if (f.module === 'kernel') f.module = undefined;
    return parsed;
  }
  if (options.bareSymbolWithModule && (m = at(BARE_SYMBOL_MODULE, work, pos))) {
    const modAt = pos + m[1].length + 2;
    const frame: Frame = {
      symbol: m[1],
      module: m[2] === 'kernel' ? undefined : m[2],
      inline: false,
      unreliable: false,
      range: range(line, pos, text.length),
      symbolRange: range(line, pos, pos + m[1].length),
      moduleRange: range(line, modAt, modAt + m[2].length),
    };
    return { frame, terminator: false };
  }
  return undefined;
}

/** Stack markers that are neither frames nor foreign lines (x86 oops since 5.x). */
export function isStackMarker(content: string): boolean {
  return /^[ \t]*<\/?(?:TASK|IRQ|NMI|EOI|#DF|SOFTIRQ)>[ \t]*$/.test(content);
}

/** Old ARM's saved-register line between two frames (` r6:c0a1b2c4 r5:00000000 r4:df8b3c00`). */
export function isArmRegisterLine(content: string): boolean {
  return ARM_REGISTERS.test(content);
}

/** An old ARM frame line, which starts a stack by itself on kernels that print no `Backtrace:`. */
export function isArmOldFrameLine(content: string): boolean {
  return /^[ \t]*(?:\[<[0-9a-fA-F]{8,16}>\] \(|Function entered at \[<)/.test(content);
}
