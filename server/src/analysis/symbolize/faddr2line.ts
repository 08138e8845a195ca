// `sym+off/len` → an address addr2line can look up, by the rules of the kernel's
// scripts/faddr2line:
//  - every symbol of that name is a candidate (static functions can share a name);
//  - the length printed after `/` is kallsyms' length: the distance from the symbol to the next
//    symbol of its section (padding included), or to the section's end for the last one; a
//    candidate whose length differs is not the printed function (that is how duplicates are
//    told apart); ELF's own st_size is accepted too, for tools that print it;
//  - the offset must lie within that length;
//  - for a relocatable .ko, addresses are relative to the symbol's section (`addr2line -j`).
// When no symbol has the exact name, compiler clones of the same function are tried
// (`foo.isra.0` printed, `foo.isra.1` or `foo.constprop.0` in this build): a `.cold` part only
// ever matches a `.cold` part, and such matches are flagged as not exact.
import { baseSymbol } from '../symbols';
import { ElfFile, ElfSection, ElfSymbol, SHF_EXECINSTR } from './elf';

export interface FunctionSymbol {
  name: string;
  section: ElfSection;
  /** st_value: absolute in vmlinux, section-relative in a .ko. */
  value: bigint;
  elfSize: number;
  /** What kallsyms prints as this function's length. */
  kallsymsSize: number;
  /** No other symbol follows it in its section. */
  lastInSection: boolean;
}

export interface FrameSymbolQuery {
  symbol: string;
  offset: number;
  size?: number;
}

export interface LocatedSite {
  symbol: FunctionSymbol;
  offset: number;
  /** The address of symbol+offset, as addr2line takes it (see `section`). */
  address: bigint;
  /** For relocatable files: the section `address` is relative to. */
  section?: string;
  /** Matched by its exact name (not a clone of the same function). */
  exact: boolean;
  /** How the printed length was checked. */
  sizeCheck: 'kallsyms' | 'elf' | 'last-in-section' | 'not-printed';
}

export interface LocateResult {
  sites: LocatedSite[];
  /** Why candidates were rejected (or that there were none). */
  rejected: string[];
}

const SHN_LORESERVE = 0xff00;

/** ARM/AArch64 mapping symbols and assembler-local labels are not functions. */
function isMappingSymbol(name: string): boolean {
  return name === '' || name.startsWith('$') || name.startsWith('.L') || name.startsWith('L0');
}

/** The function symbols of an ELF file, indexed by name, with kallsyms-style lengths. */
export class SymbolTable {
  readonly relocatable: boolean;
  private readonly byName = new Map<string, FunctionSymbol[]>();
  private readonly byBase = new Map<string, FunctionSymbol[]>();
  readonly functionCount: number;

  constructor(readonly elf: ElfFile) {
    this.relocatable = elf.type === 'REL';
    // Sorted start addresses of every real symbol, per section, to measure lengths.
    const starts = new Map<number, bigint[]>();
    for (const s of elf.symbols) {
      if (!isPlaced(s, elf) || s.type === 'SECTION' || s.type === 'FILE' || isMappingSymbol(s.name)) continue;
      let list = starts.get(s.shndx);
      if (!list) starts.set(s.shndx, (list = []));
      list.push(s.value);
    }
    for (const list of starts.values()) list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let count = 0;
    for (const s of elf.symbols) {
      if (!isPlaced(s, elf) || isMappingSymbol(s.name)) continue;
      const section = elf.sections[s.shndx];
      const executable = (section.flags & SHF_EXECINSTR) !== 0n;
      if (!(s.type === 'FUNC' || (s.type === 'NOTYPE' && executable))) continue;
      const list = starts.get(s.shndx)!;
      // First start at or beyond the end of this symbol (and strictly after its start).
      const floor = s.value + BigInt(Math.max(s.size, 1));
      const next = lowerBound(list, floor);
      const sectionEnd = section.addr + BigInt(section.size);
      const lastInSection = next >= list.length;
      const end = lastInSection ? sectionEnd : list[next];
      const fn: FunctionSymbol = {
        name: s.name,
        section,
        value: s.value,
        elfSize: s.size,
        kallsymsSize: end > s.value ? Number(end - s.value) : s.size,
        lastInSection,
      };
      add(this.byName, s.name, fn);
      add(this.byBase, baseSymbol(s.name), fn);
      count++;
    }
    this.functionCount = count;
  }

  named(name: string): FunctionSymbol[] {
    return this.byName.get(name) ?? [];
  }

  /** Clones and parts of the same source function (`foo`, `foo.isra.0`, `foo.cold`, …). */
  sameFunction(name: string): FunctionSymbol[] {
    return this.byBase.get(baseSymbol(name)) ?? [];
  }

  /** Applies the faddr2line rules to a printed `sym+off/len`. */
  locate(q: FrameSymbolQuery): LocateResult {
    const rejected: string[] = [];
    const exact = this.check(this.named(q.symbol), q, true, rejected);
    if (exact.length > 0) return { sites: exact, rejected };
    const cold = isColdPart(q.symbol);
    const clones = this.sameFunction(q.symbol).filter((f) => f.name !== q.symbol && isColdPart(f.name) === cold);
    const approx = this.check(clones, q, false, rejected);
    if (approx.length === 0 && this.named(q.symbol).length === 0 && clones.length === 0) rejected.push(`no symbol ${q.symbol} in ${this.elf.path}`);
    return { sites: approx, rejected };
  }

  private check(candidates: FunctionSymbol[], q: FrameSymbolQuery, exact: boolean, rejected: string[]): LocatedSite[] {
    const sites: LocatedSite[] = [];
    for (const fn of candidates) {
      let sizeCheck: LocatedSite['sizeCheck'];
      if (q.size === undefined) sizeCheck = 'not-printed';
      else if (q.size === fn.kallsymsSize) sizeCheck = 'kallsyms';
      else if (q.size === fn.elfSize && fn.elfSize > 0) sizeCheck = 'elf';
      // A loaded module lays its sections out one after another: the length of the last
      // function of a section runs to whatever follows, at least to the section's end.
      else if (fn.lastInSection && q.size >= fn.kallsymsSize) sizeCheck = 'last-in-section';
      else {
        rejected.push(`${fn.name} in ${fn.section.name} has length 0x${fn.kallsymsSize.toString(16)}, the frame says 0x${q.size.toString(16)}`);
        continue;
      }
      const limit = Math.max(fn.kallsymsSize, q.size ?? 0);
      if (q.offset > limit) {
        rejected.push(`offset 0x${q.offset.toString(16)} is beyond ${fn.name} (length 0x${fn.kallsymsSize.toString(16)})`);
        continue;
      }
      sites.push({
        symbol: fn,
        offset: q.offset,
        address: fn.value + BigInt(q.offset),
        section: this.relocatable ? fn.section.name : undefined,
        exact,
        sizeCheck,
      });
    }
    return sites;
  }
}

function isPlaced(s: ElfSymbol, elf: ElfFile): boolean {
  return s.shndx > 0 && s.shndx < SHN_LORESERVE && s.shndx < elf.sections.length;
}

function isColdPart(name: string): boolean {
  return /\.cold(?:\.\d+)?(?:\.|$)/.test(name);
}

function add(map: Map<string, FunctionSymbol[]>, key: string, fn: FunctionSymbol): void {
  const list = map.get(key);
  if (list) list.push(fn);
  else map.set(key, [fn]);
}

function lowerBound(list: bigint[], v: bigint): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
