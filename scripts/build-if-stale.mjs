// Builds dist/ only when it is not already a build of the wanted kind newer than every input.
// `npm test` builds, then `npm run test:e2e` needs the same development build for the extension
// host (and packaging overwrites dist/ with a production build): this keeps that to one build.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Written by scripts/build.mjs after a successful build: 'development' or 'production'. */
export const BUILD_STAMP = path.join(ROOT, 'dist/.build-mode');
const INPUTS = ['client', 'server', 'webview', 'package.json', 'scripts/build.mjs', 'node_modules/.package-lock.json'];

/** Newest modification time under the given paths (files or folders, relative to the repository). */
export function newestMtime(paths) {
  let m = 0;
  const walk = (p) => {
    let st;
    try { st = fs.statSync(p); } catch { return; }
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    else m = Math.max(m, st.mtimeMs);
  };
  for (const p of paths) walk(path.join(ROOT, p));
  return m;
}

/** True when dist/ holds a `mode` build newer than all of its inputs. */
export function buildFresh(mode = 'development') {
  try {
    return fs.readFileSync(BUILD_STAMP, 'utf8').trim() === mode && fs.statSync(BUILD_STAMP).mtimeMs >= newestMtime(INPUTS);
  } catch {
    return false;
  }
}

/** Runs scripts/build.mjs unless buildFresh(mode); returns whether it built. */
export function buildIfStale(mode = 'development', env = process.env) {
  if (buildFresh(mode)) {
    console.log(`dist/ is an up-to-date ${mode} build`);
    return false;
  }
  execFileSync(process.execPath, ['scripts/build.mjs', ...(mode === 'production' ? ['--production'] : [])], { cwd: ROOT, stdio: 'inherit', env });
  return true;
}
