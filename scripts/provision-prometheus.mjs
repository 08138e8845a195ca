#!/usr/bin/env node
// Idempotent provisioning of a real Prometheus and node_exporter for the fleet-view test
// (test/unit/client/slabPanel/prometheusLive.test.ts): Debian's `prometheus` and
// `prometheus-node-exporter` packages. Only the binaries are used: the test starts both itself
// on 127.0.0.1 with temporary storage, so the packages' own services are not started on install
// (a policy-rc.d that refuses service starts is put in place for the install if there is none).
//
// Usage: node scripts/provision-prometheus.mjs [--check]
//   Installs what is missing with apt-get when run as root; otherwise prints the exact command and
//   exits 1. With --check it only reports (exit 1 when something is missing).
// Also imported: `ensurePrometheus()` returns `{ prometheus, nodeExporter }` (absolute paths).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureInstalled, installCommand } from './apt.mjs';

const log = (m) => console.log(`[provision-prometheus] ${m}`);
const POLICY_RC_D = '/usr/sbin/policy-rc.d';

/** Debian packages and the binary each provides. */
export const PACKAGES = [
  { pkg: 'prometheus', bin: 'prometheus' },
  { pkg: 'prometheus-node-exporter', bin: 'prometheus-node-exporter' },
];

/** Absolute path of an executable on PATH (or in the sbin folders), or undefined. */
export function which(bin) {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/sbin', '/sbin', '/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** What is there and what is missing. */
export function prometheusTools() {
  const missing = PACKAGES.filter((p) => !which(p.bin)).map((p) => p.pkg);
  return { missing, prometheus: which('prometheus'), nodeExporter: which('prometheus-node-exporter') };
}

/** Installs what is missing (root only). Throws with the exact command when it cannot. */
export function ensurePrometheus() {
  // Keep the packages' services from starting: the test runs its own instances on free ports.
  const withoutServices = (install) => {
    const ownPolicy = !fs.existsSync(POLICY_RC_D);
    if (ownPolicy) fs.writeFileSync(POLICY_RC_D, '#!/bin/sh\n# kleak provision-prometheus: no service starts during this install\nexit 101\n', { mode: 0o755 });
    try {
      install();
    } finally {
      if (ownPolicy) fs.rmSync(POLICY_RC_D, { force: true });
    }
  };
  return ensureInstalled(prometheusTools, 'the fleet-view test needs a real Prometheus and node_exporter', log, withoutServices);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t = Date.now();
  try {
    const r = process.argv.includes('--check') ? prometheusTools() : ensurePrometheus();
    if (r.missing.length) {
      console.error(`[provision-prometheus] missing: ${r.missing.join(', ')}; install with: ${installCommand(r.missing)}`);
      process.exit(1);
    }
    log(`ready in ${((Date.now() - t) / 1000).toFixed(1)} s: ${r.prometheus}, ${r.nodeExporter}`);
  } catch (e) {
    console.error(`[provision-prometheus] ${e.message}`);
    process.exit(1);
  }
}
