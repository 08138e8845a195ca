// Builds for production and packages the .vsix with vsce 3 (dependencies are bundled).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (file, args) => execFileSync(file, args, { cwd: root, stdio: 'inherit' });
run(process.execPath, ['scripts/build.mjs', '--production']);
run(process.execPath, [path.join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--no-rewrite-relative-links']);
