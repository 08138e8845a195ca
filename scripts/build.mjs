// Bundles the extension, the language server, the CLI and the webview with esbuild.
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};
const node = { ...common, platform: 'node', target: 'node20', format: 'cjs' };

await Promise.all([
  esbuild.build({ ...node, entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
  esbuild.build({ ...node, entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js' }),
  esbuild.build({ ...node, entryPoints: ['server/src/analysisWorker.ts'], outfile: 'dist/analysisWorker.js' }),
  esbuild.build({ ...node, entryPoints: ['server/src/partWorker.ts'], outfile: 'dist/partWorker.js' }),
  esbuild.build({ ...node, entryPoints: ['server/src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  esbuild.build({ ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: ['webview/src/main.ts'], outfile: 'dist/webview.js' }),
  // the slab panel's stylesheet (its CSP loads styles from the extension only, never inline)
  esbuild.build({ ...common, sourcemap: false, entryPoints: ['webview/src/styles.css'], outfile: 'dist/webview.css' }),
]);
// what scripts/build-if-stale.mjs compares with (written last: a failed build leaves no fresh stamp)
fs.writeFileSync(path.join(root, 'dist/.build-mode'), production ? 'production\n' : 'development\n');
console.log(`built dist/ (${production ? 'production' : 'development'})`);
