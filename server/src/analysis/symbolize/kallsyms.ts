// Parses /proc/kallsyms and System.map, and turns a bare kernel address into what the kernel
// itself would have printed (`%pS`): `symbol+0xoff/0xlen [module]`.
//
//   ffffffff81000000 T _stext                    (System.map, vmlinux part of kallsyms)
//   ffffffffc0a02110 t kmem_test_work_fn\t[kmem_test]   (a module symbol in /proc/kallsyms)
//
// Like kallsyms_lookup(): the symbol is the nearest one at or below the address; the length
// is the distance to the next higher symbol of the same image (vmlinux or the same module);
// among aliases at one address the first listed wins (kallsyms lists the kernel's choice first).

export interface KallsymsEntry {
  address: bigint;
  type: string;
  name: string;
  module?: string;
}

export interface SymbolizedAddress {
  symbol: string;
  offset: number;
  /** Distance to the next symbol (what the kernel prints after `/`); undefined for the last one. */
  size?: number;
  module?: string;
  type: string;
}

export interface KallsymsProblem {
  line: number;
  message: string;
}

/** Text symbols: the only ones a code address can belong to. */
const TEXT_TYPES = new Set(['t', 'T', 'w', 'W']);
const LINE = /^([0-9a-fA-F]{1,16})\s+([A-Za-z?])\s+(\S{1,512})(?:\s+\[([\w.-]{1,64})\])?\s*$/;
/** The last symbol of an image has no known length: accept an offset only this far into it. */
const MAX_UNBOUNDED_OFFSET = 0x1000;
const MAX_PROBLEMS = 20;

export class KallsymsTable {
  /** Sorted by address; ties keep file order. */
  private readonly entries: KallsymsEntry[];
  readonly problems: KallsymsProblem[];
  /** Every address is zero: read without privilege (kptr_restrict), useless for lookups. */
  readonly hidden: boolean;
  readonly modules: ReadonlySet<string>;
  private textImages?: Map<string, Set<string | undefined>>;

  private constructor(entries: KallsymsEntry[], problems: KallsymsProblem[], hidden: boolean) {
    this.entries = entries;
    this.problems = problems;
    this.hidden = hidden;
    this.modules = new Set(entries.flatMap((e) => (e.module ? [e.module] : [])));
  }

  get size(): number {
    return this.entries.length;
  }

  /** Parses kallsyms or System.map text. Never throws; bad lines become problems. */
  static parse(text: string): KallsymsTable {
    const entries: KallsymsEntry[] = [];
    const problems: KallsymsProblem[] = [];
    let nonZero = false;
    let lineNo = 0;
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const line = text.slice(start, end);
      start = end + 1;
      lineNo++;
      if (line.trim() === '') continue;
      const m = line.length <= 700 ? LINE.exec(line) : null;
      if (!m) {
        if (problems.length < MAX_PROBLEMS) problems.push({ line: lineNo, message: `not a kallsyms/System.map line: ${line.slice(0, 80)}` });
        continue;
      }
      const address = BigInt(`0x${m[1]}`);
      if (address !== 0n) nonZero = true;
      entries.push({ address, type: m[2], name: m[3], module: m[4] });
    }
    // Stable sort by address (file order breaks ties: the kernel's preferred alias comes first).
    const order = entries.map((_, i) => i);
    order.sort((a, b) => (entries[a].address < entries[b].address ? -1 : entries[a].address > entries[b].address ? 1 : a - b));
    return new KallsymsTable(
      order.map((i) => entries[i]),
      problems,
      entries.length > 0 && !nonZero,
    );
  }

  /** `symbol+off/len [mod]` for an address, or undefined if no text symbol covers it. */
  lookup(address: bigint): SymbolizedAddress | undefined {
    if (this.hidden || this.entries.length === 0) return undefined;
    // Last entry at or below the address.
    let lo = 0;
    let hi = this.entries.length - 1;
    if (this.entries[0].address > address) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.entries[mid].address <= address) lo = mid;
      else hi = mid - 1;
    }
    const at = this.entries[lo].address;
    // The aliases at that address, in file order; prefer text symbols of one image.
    let first = lo;
    while (first > 0 && this.entries[first - 1].address === at) first--;
    let chosen: KallsymsEntry | undefined;
    for (let i = first; i <= lo; i++) {
      if (TEXT_TYPES.has(this.entries[i].type)) {
        chosen = this.entries[i];
        break;
      }
    }
    if (!chosen) return undefined;
    // Next higher address in the same image bounds the symbol.
    let size: number | undefined;
    for (let i = lo + 1; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (e.module !== chosen.module) continue;
      if (e.address > at) {
        size = safeNumber(e.address - at);
        break;
      }
    }
    const offset = safeNumber(address - at);
    if (offset === undefined) return undefined;
    if (size === undefined ? offset > MAX_UNBOUNDED_OFFSET : offset >= size) return undefined;
    return { symbol: chosen.name, offset, size, module: chosen.module, type: chosen.type };
  }

  /** The images (a module name, or undefined for vmlinux) with a text symbol named `name`. */
  imagesOf(name: string): (string | undefined)[] {
    if (!this.textImages) {
      // Built once on first use: a trace asks for thousands of names.
      this.textImages = new Map();
      for (const e of this.entries) {
        if (!TEXT_TYPES.has(e.type)) continue;
        const set = this.textImages.get(e.name) ?? new Set();
        set.add(e.module);
        this.textImages.set(e.name, set);
      }
    }
    return [...(this.textImages.get(name) ?? [])];
  }

  /** Every entry named `name` (in one module, or in vmlinux when `module` is undefined). */
  find(name: string, module?: string): KallsymsEntry[] {
    return this.entries.filter((e) => e.name === name && e.module === module);
  }
}

function safeNumber(v: bigint): number | undefined {
  return v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
}

/** Parses a printed kernel address (`ffffffffc08ea070`, `0xc104deff`); undefined if not hex. */
export function parseAddress(text: string): bigint | undefined {
  const m = /^(?:0x)?([0-9a-fA-F]{1,16})$/.exec(text.trim());
  return m ? BigInt(`0x${m[1]}`) : undefined;
}

/** `symbol+0xoff/0xlen [mod]`, as the kernel prints it. */
export function formatSymbolized(s: SymbolizedAddress): string {
  let out = `${s.symbol}+0x${s.offset.toString(16)}`;
  if (s.size !== undefined) out += `/0x${s.size.toString(16)}`;
  if (s.module) out += ` [${s.module}]`;
  return out;
}
