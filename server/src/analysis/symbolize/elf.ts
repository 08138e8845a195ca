// Reads what symbolisation needs from an ELF file (vmlinux, a module .ko or its .ko.debug):
// the header, the section headers, the symbol table and the GNU build-id note.
//
// Parsed here rather than by running `nm`/`readelf`: the symbol table is a flat array of
// fixed-size records, a few dozen lines of code read it exactly (values, sizes, section
// indexes, duplicates and all), without a process per binary, without parsing a tool's text
// output, and also in an untrusted workspace where no tool may run. Only the parts needed are
// read from disk (a vmlinux with DWARF is hundreds of MB; its symbol table is a few MB).
// Every offset is checked against the file size: a malformed file is an ElfError, never a crash.
import { promises as fsp } from 'node:fs';

export class ElfError extends Error {}

export type ElfType = 'REL' | 'EXEC' | 'DYN' | 'CORE' | 'OTHER';

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

export type SymbolType = 'NOTYPE' | 'OBJECT' | 'FUNC' | 'SECTION' | 'FILE' | 'OTHER';
export type SymbolBind = 'LOCAL' | 'GLOBAL' | 'WEAK' | 'OTHER';

export interface ElfSymbol {
  name: string;
  value: bigint;
  size: number;
  type: SymbolType;
  bind: SymbolBind;
  /** Section header index (SHN_* special values kept as they are, e.g. 0 = undefined). */
  shndx: number;
}

export interface ElfFile {
  path: string;
  bits: 32 | 64;
  littleEndian: boolean;
  type: ElfType;
  machine: number;
  sections: ElfSection[];
  /** Lower-case hex of NT_GNU_BUILD_ID, if the file has one. */
  buildId?: string;
  /** `.debug_info` is present with contents (not a stripped binary). */
  hasDebugInfo: boolean;
  symbols: ElfSymbol[];
}

export const SHT_SYMTAB = 2;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
export const SHT_SYMTAB_SHNDX = 18;
export const SHF_ALLOC = 0x2n;
export const SHF_EXECINSTR = 0x4n;
const SHN_XINDEX = 0xffff;
const NT_GNU_BUILD_ID = 3;

/** Symbol tables larger than this are refused (a real vmlinux has < 20 MB). */
const MAX_TABLE_BYTES = 512 * 1024 * 1024;
const MAX_SECTIONS = 1 << 20;

class Reader {
  constructor(
    readonly buf: Buffer,
    readonly le: boolean,
    readonly bits: 32 | 64,
  ) {}
  u8(o: number): number {
    return this.buf.readUInt8(o);
  }
  u16(o: number): number {
    return this.le ? this.buf.readUInt16LE(o) : this.buf.readUInt16BE(o);
  }
  u32(o: number): number {
    return this.le ? this.buf.readUInt32LE(o) : this.buf.readUInt32BE(o);
  }
  u64(o: number): bigint {
    return this.le ? this.buf.readBigUInt64LE(o) : this.buf.readBigUInt64BE(o);
  }
  /** An address-sized field. */
  addr(o: number): bigint {
    return this.bits === 64 ? this.u64(o) : BigInt(this.u32(o));
  }
  /** An offset/size field, as a safe number. */
  off(o: number): number {
    const v = this.addr(o);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`offset out of range at ${o}`);
    return Number(v);
  }
}

async function readAt(fh: fsp.FileHandle, offset: number, length: number, fileSize: number, what: string): Promise<Buffer> {
  if (offset < 0 || length < 0 || offset + length > fileSize) throw new ElfError(`${what} lies outside the file`);
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
    if (bytesRead === 0) throw new ElfError(`${what}: unexpected end of file`);
    done += bytesRead;
  }
  return buf;
}

function cString(buf: Buffer, offset: number): string {
  if (offset >= buf.length) return '';
  const end = buf.indexOf(0, offset);
  return buf.toString('latin1', offset, end < 0 ? buf.length : end);
}

const TYPES: Record<number, ElfType> = { 1: 'REL', 2: 'EXEC', 3: 'DYN', 4: 'CORE' };
const SYM_TYPES: SymbolType[] = ['NOTYPE', 'OBJECT', 'FUNC', 'SECTION', 'FILE'];
const SYM_BINDS: SymbolBind[] = ['LOCAL', 'GLOBAL', 'WEAK'];

export interface ReadElfOptions {
  /** Read the symbol table too (default true). */
  symbols?: boolean;
}

/** Reads an ELF file's header, sections, build-id and (by default) symbols. Throws ElfError. */
export async function readElf(file: string, opts: ReadElfOptions = {}): Promise<ElfFile> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, 'r');
  } catch (e) {
    throw new ElfError(`cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ElfError('not a regular file');
    const size = st.size;
    if (size < 52) throw new ElfError('too small to be an ELF file');
    const ident = await readAt(fh, 0, Math.min(64, size), size, 'ELF header');
    if (ident.readUInt32BE(0) !== 0x7f454c46) throw new ElfError('not an ELF file');
    const cls = ident[4];
    const data = ident[5];
    if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) throw new ElfError('unknown ELF class or byte order');
    const bits = cls === 2 ? 64 : 32;
    const le = data === 1;
    if (bits === 64 && ident.length < 64) throw new ElfError('truncated ELF header');
    const h = new Reader(ident, le, bits);
    const type = TYPES[h.u16(16)] ?? 'OTHER';
    const machine = h.u16(18);
    const shoff = bits === 64 ? h.off(40) : h.off(32);
    const shentsize = h.u16(bits === 64 ? 58 : 46);
    let shnum = h.u16(bits === 64 ? 60 : 48);
    let shstrndx = h.u16(bits === 64 ? 62 : 50);
    const want = bits === 64 ? 64 : 40;
    if (shoff === 0) throw new ElfError('no section headers');
    if (shentsize < want) throw new ElfError(`bad section header size ${shentsize}`);
    // Extended numbering: the real counts live in section 0.
    const first = new Reader(await readAt(fh, shoff, shentsize, size, 'section header 0'), le, bits);
    if (shnum === 0) shnum = first.off(bits === 64 ? 32 : 20);
    if (shstrndx === SHN_XINDEX) shstrndx = first.u32(bits === 64 ? 40 : 24);
    if (shnum > MAX_SECTIONS) throw new ElfError(`too many sections (${shnum})`);
    const shdrs = new Reader(await readAt(fh, shoff, shnum * shentsize, size, 'section headers'), le, bits);
    const sections: ElfSection[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = i * shentsize;
      sections.push(
        bits === 64
          ? {
              index: i,
              name: '',
              type: shdrs.u32(o + 4),
              flags: shdrs.u64(o + 8),
              addr: shdrs.u64(o + 16),
              offset: shdrs.off(o + 24),
              size: shdrs.off(o + 32),
              link: shdrs.u32(o + 40),
              info: shdrs.u32(o + 44),
              entsize: shdrs.off(o + 56),
            }
          : {
              index: i,
              name: '',
              type: shdrs.u32(o + 4),
              flags: BigInt(shdrs.u32(o + 8)),
              addr: BigInt(shdrs.u32(o + 12)),
              offset: shdrs.u32(o + 16),
              size: shdrs.u32(o + 20),
              link: shdrs.u32(o + 24),
              info: shdrs.u32(o + 28),
              entsize: shdrs.u32(o + 36),
            },
      );
    }
    const readSection = (s: ElfSection, what: string) => {
      if (s.type === SHT_NOBITS) return Promise.resolve(Buffer.alloc(0));
      if (s.size > MAX_TABLE_BYTES) throw new ElfError(`${what} is too large (${s.size} bytes)`);
      return readAt(fh, s.offset, s.size, size, what);
    };
    if (shstrndx < sections.length) {
      const names = await readSection(sections[shstrndx], 'section name table');
      for (let i = 0; i < shnum; i++) sections[i].name = cString(names, shdrs.u32(i * shentsize));
    }

    let buildId: string | undefined;
    for (const s of sections) {
      if (s.type !== SHT_NOTE || buildId || s.size > 1 << 20) continue;
      buildId = findBuildId(new Reader(await readSection(s, s.name || 'note section'), le, bits));
    }
    const debugInfo = sections.find((s) => s.name === '.debug_info' || s.name === '.zdebug_info');
    const hasDebugInfo = debugInfo !== undefined && debugInfo.type !== SHT_NOBITS && debugInfo.size > 0;

    const symbols: ElfSymbol[] = [];
    if (opts.symbols !== false) {
      const symtab = sections.find((s) => s.type === SHT_SYMTAB) ?? sections.find((s) => s.type === SHT_DYNSYM);
      if (symtab) {
        const entsize = bits === 64 ? 24 : 16;
        if (symtab.entsize !== 0 && symtab.entsize < entsize) throw new ElfError('bad symbol entry size');
        const step = symtab.entsize || entsize;
        const strtab = sections[symtab.link];
        if (!strtab) throw new ElfError('symbol table without a string table');
        const tab = new Reader(await readSection(symtab, 'symbol table'), le, bits);
        const strs = await readSection(strtab, 'symbol string table');
        const xindexSection = sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === symtab.index);
        const xindex = xindexSection ? new Reader(await readSection(xindexSection, 'extended section indexes'), le, bits) : undefined;
        const count = Math.floor(tab.buf.length / step);
        for (let i = 1; i < count; i++) {
          const o = i * step;
          const nameOff = tab.u32(o);
          const info = bits === 64 ? tab.u8(o + 4) : tab.u8(o + 12);
          let shndx = bits === 64 ? tab.u16(o + 6) : tab.u16(o + 14);
          const value = bits === 64 ? tab.u64(o + 8) : BigInt(tab.u32(o + 4));
          const symSize = bits === 64 ? tab.u64(o + 16) : BigInt(tab.u32(o + 8));
          if (shndx === SHN_XINDEX && xindex && i * 4 + 4 <= xindex.buf.length) shndx = xindex.u32(i * 4);
          symbols.push({
            name: cString(strs, nameOff),
            value,
            size: symSize > BigInt(Number.MAX_SAFE_INTEGER) ? 0 : Number(symSize),
            type: SYM_TYPES[info & 0xf] ?? 'OTHER',
            bind: SYM_BINDS[info >> 4] ?? 'OTHER',
            shndx,
          });
        }
      }
    }
    return { path: file, bits, littleEndian: le, type, machine, sections, buildId, hasDebugInfo, symbols };
  } catch (e) {
    if (e instanceof ElfError) throw e;
    throw new ElfError(`malformed ELF file: ${(e as Error).message}`);
  } finally {
    await fh.close();
  }
}

function findBuildId(r: Reader): string | undefined {
  let o = 0;
  const align = (n: number) => (n + 3) & ~3;
  while (o + 12 <= r.buf.length) {
    const namesz = r.u32(o);
    const descsz = r.u32(o + 4);
    const type = r.u32(o + 8);
    const nameAt = o + 12;
    const descAt = nameAt + align(namesz);
    const next = descAt + align(descsz);
    if (next > r.buf.length || next <= o) return undefined;
    if (type === NT_GNU_BUILD_ID && namesz === 4 && r.buf.toString('latin1', nameAt, nameAt + 3) === 'GNU' && descsz > 0) {
      return r.buf.toString('hex', descAt, descAt + descsz);
    }
    o = next;
  }
  return undefined;
}

/** Only the build-id (cheap: no symbol table). */
export async function readBuildId(file: string): Promise<string | undefined> {
  return (await readElf(file, { symbols: false })).buildId;
}
