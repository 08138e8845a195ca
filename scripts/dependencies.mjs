// `npm ci` when node_modules is missing or older than package-lock.json (a pull changed the
// dependencies): shared by `npm test`, `npm start` and `npm run test:e2e`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** True when node_modules does not match package-lock.json (npm writes node_modules/.package-lock.json last). */
export function dependenciesStale(root = ROOT) {
  const stamp = path.join(root, 'node_modules', '.package-lock.json');
  if (!fs.existsSync(stamp)) return true;
  return fs.statSync(stamp).mtimeMs < fs.statSync(path.join(root, 'package-lock.json')).mtimeMs;
}

/** Runs `npm ci` when dependenciesStale(); `log` says so first. */
export function ensureDependencies(log = (m) => console.log(m), env = process.env) {
  if (!dependenciesStale()) return false;
  log('installing npm dependencies (npm ci)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit', env });
  return true;
}
