// Real call sites of this machine's running kernel, with the kernel's own symbolisation as the
// oracle: kmem:kmalloc and kmem:kmem_cache_alloc events are recorded in a private tracefs
// instance (other tests' tracing is not disturbed) with the `fields` option, which prints each
// call site both as `%pS` (`alloc_fdtable+0x55/0x140`) and as its raw value. Needs root and
// tracefs (CI runs as root); readable /proc/kallsyms addresses need root too.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const TRACEFS = '/sys/kernel/tracing';

export interface LiveCallSite {
  /** Full address (hex, no 0x). */
  address: string;
  /** What the kernel printed: `sym+0xoff/0xlen` (and ` [mod]` for module code). */
  symbol: string;
  offset: number;
  size: number;
  module?: string;
  event: string;
}

const FIELD = /\bcall_site=([A-Za-z_.$][\w.$]*)\+0x([0-9a-f]+)\/0x([0-9a-f]+)(?: \[([\w-]+)\])? \((-?\d+)\)/;

/** Records allocations for a moment and returns their distinct call sites. */
export function liveCallSites(): LiveCallSite[] {
  if (!fs.existsSync(path.join(TRACEFS, 'instances'))) throw new Error(`tracefs is not mounted at ${TRACEFS} (the live kallsyms test needs root and tracefs)`);
  const inst = path.join(TRACEFS, 'instances', `kleak-symtest-${process.pid}`);
  fs.mkdirSync(inst);
  try {
    fs.writeFileSync(path.join(inst, 'options', 'fields'), '1');
    for (const e of ['kmalloc', 'kmem_cache_alloc']) fs.writeFileSync(path.join(inst, 'events', 'kmem', e, 'enable'), '1');
    // Allocate: start processes, read files.
    for (let i = 0; i < 3; i++) execFileSync('ls', ['-la', '/proc/self/', '/usr/bin'], { stdio: 'ignore' });
    fs.readFileSync('/proc/self/status');
    for (const e of ['kmalloc', 'kmem_cache_alloc']) fs.writeFileSync(path.join(inst, 'events', 'kmem', e, 'enable'), '0');
    const trace = fs.readFileSync(path.join(inst, 'trace'), 'utf8');
    const seen = new Map<string, LiveCallSite>();
    for (const line of trace.split('\n')) {
      const m = FIELD.exec(line);
      if (!m) continue;
      // `fields` prints the raw value as a signed decimal of its low 32 bits; kernel text on
      // x86-64 lives at 0xffffffff8…, so the high half is all ones.
      let low = BigInt(m[5]);
      if (low < 0n) low += 1n << 32n;
      if (low >> 32n !== 0n || low < 0x80000000n) continue;
      const address = ((0xffffffffn << 32n) | low).toString(16);
      const event = /: (\w+): call_site=/.exec(line)?.[1] ?? '';
      seen.set(address, { address, symbol: m[1], offset: parseInt(m[2], 16), size: parseInt(m[3], 16), module: m[4], event });
    }
    return [...seen.values()];
  } finally {
    try {
      for (const e of ['kmalloc', 'kmem_cache_alloc']) fs.writeFileSync(path.join(inst, 'events', 'kmem', e, 'enable'), '0');
    } catch {
      // already off
    }
    fs.rmdirSync(inst);
  }
}

/**
 * A capture in the format kmem events had before `%pS` (pre-5.x ftrace, and `perf script`
 * of raw fields): `kmalloc: call_site=ffffffff951b4836 ptr=… bytes_req=… …`.
 */
export function hexCallSiteCapture(sites: LiveCallSite[]): string {
  return sites
    .map(
      (s, i) =>
        `          <idle>-0     [000] ....  ${(100 + i / 1000).toFixed(6)}: ${s.event || 'kmalloc'}: call_site=${s.address} ptr=ffff888103caef00 bytes_req=72 bytes_alloc=96 gfp_flags=GFP_KERNEL`,
    )
    .join('\n');
}
