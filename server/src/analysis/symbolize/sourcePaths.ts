// Where a file named by debug info (or printed in a capture) is on this machine. Kernel DWARF
// names files relative to the build directory (`mm/slub.c`, `./include/linux/slab.h`) or with
// the builder's absolute path (`/build/linux-6.1/mm/slub.c`); both are mapped onto
// `kleak.kernelSourceRoot`. A local path is only ever returned inside a configured root.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Top-level directories of a kernel tree: where a kernel-relative path starts. */
const KERNEL_TOP_DIRS = new Set([
  'arch', 'block', 'certs', 'crypto', 'drivers', 'fs', 'include', 'init', 'io_uring', 'ipc', 'kernel', 'lib', 'mm',
  'net', 'rust', 'security', 'sound', 'virt',
]);
const MAX_COMPONENTS = 64;
const SAFE_PATH = /^[^\0-\x1f]{1,4096}$/;

/** `./mm/slub.c` → `mm/slub.c`; undefined for paths that climb (`..`) or hold control characters. */
export function cleanRelative(p: string): string | undefined {
  if (!SAFE_PATH.test(p) || path.isAbsolute(p)) return undefined;
  const parts = p.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.length === 0 || parts.some((c) => c === '..')) return undefined;
  return parts.join('/');
}

/** The path of a file inside a kernel tree (`mm/slub.c`), if the name tells it. */
export function kernelRelativePath(file: string): string | undefined {
  if (!SAFE_PATH.test(file)) return undefined;
  if (!path.isAbsolute(file)) {
    const rel = cleanRelative(file);
    return rel && rel.includes('/') && KERNEL_TOP_DIRS.has(rel.split('/')[0]) ? rel : undefined;
  }
  const parts = path.normalize(file).split('/').filter(Boolean);
  for (let i = 0; i < parts.length - 1 && i < MAX_COMPONENTS; i++) {
    if (KERNEL_TOP_DIRS.has(parts[i])) return parts.slice(i).join('/');
  }
  return undefined;
}

/** Is `p` (absolute, normalised) `root` or inside it? */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export class SourceMapper {
  private readonly cache = new Map<string, string | undefined>();
  private readonly roots: string[];

  /**
   * @param kernelSourceRoot a local kernel tree (relative DWARF paths are mapped onto it)
   * @param otherRoots other folders whose files may be opened (module build directories)
   */
  constructor(
    readonly kernelSourceRoot: string | undefined,
    otherRoots: string[] = [],
    private readonly isFile: (p: string) => boolean = defaultIsFile,
  ) {
    this.roots = [...(kernelSourceRoot ? [kernelSourceRoot] : []), ...otherRoots].map((r) => path.resolve(r));
  }

  /** A local file for a debug-info path, inside a configured root, or undefined. */
  localPath(file: string, compDir?: string): string | undefined {
    const key = `${compDir ?? ''}\0${file}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const found = this.find(file, compDir);
    this.cache.set(key, found);
    return found;
  }

  private find(file: string, compDir?: string): string | undefined {
    if (!SAFE_PATH.test(file)) return undefined;
    const ok = (p: string) => this.roots.some((r) => isInside(r, p)) && this.isFile(p);
    if (path.isAbsolute(file)) {
      const p = path.normalize(file);
      if (ok(p)) return p;
    } else {
      const rel = cleanRelative(file);
      if (!rel) return undefined;
      if (compDir && path.isAbsolute(compDir)) {
        const p = path.join(compDir, rel);
        if (ok(p)) return p;
      }
      for (const root of this.roots) {
        const p = path.join(root, rel);
        if (ok(p)) return p;
      }
    }
    // The builder's absolute path (`/build/linux-6.1/mm/slub.c`, or an out-of-tree module's
    // `<kbuild dir>/./kmem_test.c`): try its tails under each root, kernel tree first, longest first.
    if (path.isAbsolute(file)) {
      const parts = path.normalize(file).split('/').filter(Boolean);
      for (const root of this.roots) {
        for (let i = 1; i < parts.length && i < MAX_COMPONENTS; i++) {
          const p = path.join(root, ...parts.slice(i));
          if (ok(p)) return p;
        }
      }
    }
    return undefined;
  }
}

function defaultIsFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
