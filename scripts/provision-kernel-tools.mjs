#!/usr/bin/env node
// Idempotent provisioning of the kernel tools that prove kleak's generated scaffolding
// (test/unit/scaffold/): Debian's kernel headers (kmem_test modules are built against them),
// systemtap (stap scripts are parsed), bpftrace (scripts are parsed), shellcheck (capture
// scripts are linted) and kmod (modinfo of the built module).
//
// Usage: node scripts/provision-kernel-tools.mjs [--check] [--json]
//   Installs what is missing with apt-get when run as root; otherwise prints the exact command
//   and exits 1. With --check it only reports (exit 1 when something is missing); with --json
//   it also prints {"missing": [...], "headers": {"version", "dir"}} on a line of its own.
// Also imported: `ensureKernelTools()` returns the same report object as `kernelTools()`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureInstalled, installCommand } from './apt.mjs';

const log = (m) => console.log(`[provision-kernel-tools] ${m}`);

/** Debian packages and how to tell each is there. */
export const PACKAGES = [
  { pkg: 'linux-headers-amd64', present: () => headersBuildDir() !== undefined },
  { pkg: 'systemtap', present: () => hasCommand('stap') },
  { pkg: 'bpftrace', present: () => hasCommand('bpftrace') },
  { pkg: 'shellcheck', present: () => hasCommand('shellcheck') },
  { pkg: 'kmod', present: () => hasCommand('modinfo') },
  { pkg: 'linux-perf', present: () => hasCommand('perf') },
  { pkg: 'make', present: () => hasCommand('make') },
  { pkg: 'gcc', present: () => hasCommand('gcc') },
];

export function hasCommand(bin) {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin'];
  return dirs.some((d) => {
    if (!d) return false;
    try {
      fs.accessSync(path.join(d, bin), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Compares kernel versions such as 6.1.0-41-amd64 numerically, part by part. */
function compareVersions(a, b) {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isFinite(nx) && Number.isFinite(ny) && x !== '' && y !== '' ? nx - ny : x.localeCompare(y);
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * The newest installed kernel header tree that can build modules: `{ version, dir }`, where
 * `dir` is `/lib/modules/<version>/build` (Debian's headers package creates that link) or, failing
 * that, `/usr/src/linux-headers-<version>`. The running kernel's headers are not needed.
 */
export function headersBuildDir() {
  const found = new Map();
  const modules = '/lib/modules';
  if (fs.existsSync(modules)) {
    for (const v of fs.readdirSync(modules)) {
      const dir = path.join(modules, v, 'build');
      if (fs.existsSync(path.join(dir, 'Makefile'))) found.set(v, dir);
    }
  }
  const src = '/usr/src';
  if (fs.existsSync(src)) {
    for (const d of fs.readdirSync(src)) {
      const m = /^linux-headers-(.+-amd64)$/.exec(d);
      const dir = path.join(src, d);
      if (m && !found.has(m[1]) && fs.existsSync(path.join(dir, 'Makefile'))) found.set(m[1], dir);
    }
  }
  const versions = [...found.keys()].sort(compareVersions);
  const version = versions.at(-1);
  return version ? { version, dir: found.get(version) } : undefined;
}

/** What is there and what is missing. */
export function kernelTools() {
  const missing = PACKAGES.filter((p) => !p.present()).map((p) => p.pkg);
  return { missing, headers: headersBuildDir() };
}

/** Installs what is missing (root only). Throws with the exact command when it cannot. */
export function ensureKernelTools() {
  return ensureInstalled(kernelTools, 'the scaffolding tests need system packages', log);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t = Date.now();
  try {
    const r = process.argv.includes('--check') ? kernelTools() : ensureKernelTools();
    if (process.argv.includes('--json')) console.log(JSON.stringify(r));
    if (r.missing.length) {
      console.error(`[provision-kernel-tools] missing: ${r.missing.join(', ')}; install with: ${installCommand(r.missing)}`);
      process.exit(1);
    }
    log(`ready in ${((Date.now() - t) / 1000).toFixed(1)} s; kernel headers ${r.headers?.version} at ${r.headers?.dir}`);
  } catch (e) {
    console.error(`[provision-kernel-tools] ${e.message}`);
    process.exit(1);
  }
}
