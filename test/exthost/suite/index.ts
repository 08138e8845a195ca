// Extension-host test entry: VS Code loads this module (the payload's extensionTestsPath) inside
// its real extension host and awaits run(). Mocha runs every *.test.js bundled next to it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import Mocha from 'mocha';

// The remote extension host forwards console.* arguments unformatted; pre-format mocha's printf-style output.
(Mocha.reporters.Base as unknown as { consoleLog: (...a: unknown[]) => void }).consoleLog = (...a: unknown[]) => console.log(util.format(...a));

export interface ExthostResult {
  title: string;
  state: 'passed' | 'failed';
  ms?: number;
  error?: string;
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: 'spec' });
  const grep = process.env.KLEAK_EXTHOST_GREP;
  if (grep) mocha.grep(grep);
  // The kmemleak suite first: it proves activation by opening a capture, before any other suite
  // runs a command (which would activate the extension through onCommand).
  // *.untrusted.test.js run alone, in a second code-server without --disable-workspace-trust
  const untrusted = process.env.KLEAK_EXTHOST_UNTRUSTED === '1';
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js') && f.endsWith('.untrusted.test.js') === untrusted).sort((a, b) => Number(b === 'kmemleak.test.js') - Number(a === 'kmemleak.test.js') || a.localeCompare(b));
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  const results: ExthostResult[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const out = process.env.KLEAK_EXTHOST_RESULTS; // read by test/exthost/run.mjs
      if (out) fs.writeFileSync(out, JSON.stringify({ failures, results }, null, 2));
      if (failures) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => results.push({ title: t.fullTitle(), state: 'passed', ms: t.duration }));
    runner.on('fail', (t, err: Error) => results.push({ title: t.fullTitle(), state: 'failed', error: err?.stack ?? String(err) }));
  });
}
