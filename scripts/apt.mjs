// apt-get for the provisioning scripts: the command to show a non-root user, and the install
// itself (root), waiting for a concurrent apt/dpkg instead of failing on its lock.
import { execFileSync } from 'node:child_process';

export function installCommand(pkgs) {
  return `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
}

/** apt-get update, then install `pkgs` without recommends; `log` gets the commands and timings. */
export function aptInstall(pkgs, log) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  const t0 = Date.now();
  log('$ apt-get update -qq');
  execFileSync('apt-get', [...lock, 'update', '-qq'], { stdio: 'inherit', env });
  const t1 = Date.now();
  log(`apt-get update: ${((t1 - t0) / 1000).toFixed(1)} s`);
  const args = [...lock, 'install', '-y', '-qq', '--no-install-recommends', ...pkgs];
  log(`$ apt-get ${args.join(' ')}`);
  execFileSync('apt-get', args, { stdio: 'inherit', env });
  log(`apt-get install ${pkgs.join(' ')}: ${((Date.now() - t1) / 1000).toFixed(1)} s`);
}

/**
 * Installs what `check()` reports missing (root only) and checks again. `why` says who needs the
 * packages, for the message a non-root user gets with the exact command; `around` wraps the
 * install (e.g. to keep services from starting).
 */
export function ensureInstalled(check, why, log, around = (install) => install()) {
  const before = check();
  if (!before.missing.length) return before;
  if (process.getuid?.() !== 0) {
    throw new Error(`${why}: ${before.missing.join(', ')} missing. Install them with:\n\n    ${installCommand(before.missing)}\n`);
  }
  around(() => aptInstall(before.missing, log));
  const after = check();
  if (after.missing.length) {
    throw new Error(`apt-get ran but these are still missing: ${after.missing.join(', ')}; run: ${installCommand(after.missing)}`);
  }
  return after;
}
