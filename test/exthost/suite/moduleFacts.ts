// The kmem_test module's facts for the extension-host suites that resolve its frames: built (or
// reused) with debug info by test/helpers/kmemTestModule.ts and read with binutils, in a plain Node
// process (the extension host has no tsx).
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

export interface ModuleFacts {
  dir: string;
  frame: string;
  file: string;
  outerLine: number;
  helperLine: number;
}

const ROOT = path.resolve(__dirname, '..', '..');

/** Builds (or reuses) the module and reads its facts with binutils, in a plain Node process. */
export function moduleFacts(): ModuleFacts {
  const script = `
    const m = require('./test/helpers/kmemTestModule.ts');
    m.buildKmemTestModule().then((mod) => {
      const c = m.callSites(mod.ko).find((x) => x.fn.name.startsWith('kmem_test_new_item') && /kmalloc/.test(x.callee));
      const file = require('node:path').join(mod.dir, 'kmem_test_main.c');
      process.stdout.write(JSON.stringify({ dir: mod.dir, frame: m.frameText(c), file,
        outerLine: m.markerLine(mod, 'kmem_test_main.c', 'inline-call'), helperLine: m.markerLine(mod, 'kmem_test_main.c', 'inline-kmalloc') }));
    }).catch((e) => { console.error(e); process.exit(1); });`;
  return JSON.parse(execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 })) as ModuleFacts;
}


/** A one-object kmemleak report whose only frame is the module's allocation call. */
export function moduleFrameReport(facts: ModuleFacts): string {
  return [
    'unreferenced object 0xffff888003a4c000 (size 96):',
    '  comm "kworker/0:1", pid 31, jiffies 4294893451 (age 12.520s)',
    '  backtrace:',
    `    ${facts.frame}`,
    '',
  ].join('\n');
}
