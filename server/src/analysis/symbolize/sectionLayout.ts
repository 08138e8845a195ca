// One addr2line run for every section of a relocatable .ko: in the file each code section
// starts at address 0, so addresses are section-relative and binutils addr2line takes one
// section per run (`-j`). A copy whose code sections are moved apart (`objcopy
// --change-section-address`) answers them all in one run — addr2line relocates the DWARF
// against the new section addresses, so its answers are the same as per section.
import { ElfSection, SHF_ALLOC, SHF_EXECINSTR } from './elf';

/** Where the moved copy puts the first code section; the others follow, page-aligned with a gap. */
const FIRST_BASE = 0x1000_0000n;
const ALIGN = 0x1000n;

/** New start address of each code section of a relocatable file (by name; names must be unique). */
export function codeSectionLayout(sections: ElfSection[]): Map<string, bigint> | undefined {
  const layout = new Map<string, bigint>();
  let at = FIRST_BASE;
  for (const s of sections) {
    if ((s.flags & SHF_EXECINSTR) === 0n || (s.flags & SHF_ALLOC) === 0n) continue;
    // objcopy names sections, not indexes: two code sections of one name cannot be told apart.
    if (layout.has(s.name) || !/^[\w.$-]{1,200}$/.test(s.name)) return undefined;
    layout.set(s.name, at);
    at = (at + BigInt(s.size) + 2n * ALIGN - 1n) & ~(ALIGN - 1n);
  }
  return layout;
}

/** objcopy's arguments to write `output`, a copy of `input` with the sections at `layout`. */
export function objcopyMoveArgs(layout: Map<string, bigint>, input: string, output: string): string[] {
  const args: string[] = [];
  for (const [name, base] of layout) args.push(`--change-section-address=${name}=0x${base.toString(16)}`);
  args.push(input, output);
  return args;
}
