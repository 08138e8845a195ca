// Reading the project's own sources for static checks (test/unit/security/).
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './fixtures';

/** Source files (.ts, .js, .mjs, .cjs) under `dir`, as repository-relative paths. */
export function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...sources(rel));
    else if (/\.(ts|js|mjs|cjs)$/.test(e.name)) out.push(rel);
  }
  return out;
}

/** The source without comments (so that prose about exec( or innerHTML does not count). */
export function code(file: string): string {
  return fs
    .readFileSync(path.join(REPO_ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .map((l) => {
      const c = l.trimStart().startsWith('//') ? l.indexOf('//') : l.indexOf(' // ');
      return c >= 0 ? l.slice(0, c) : l;
    })
    .join('\n');
}
