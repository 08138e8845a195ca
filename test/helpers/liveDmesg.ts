// This machine's own kernel log, for the tests that compare kleak's reading of dmesg's output
// styles with dmesg's plain output.
import { execFileSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export type Dmesg = (...args: string[]) => string[];

/**
 * A runner of `dmesg ARGS` (its first 300 lines), or undefined, said as a test diagnostic, when
 * the log is not readable. dmesg needs root (or kernel.dmesg_restrict=0); CI runs as root, so
 * there an unreadable log fails the test.
 */
export function liveDmesg(t: TestContext): Dmesg | undefined {
  const dmesg: Dmesg = (...args) => execFileSync('dmesg', args, { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').slice(0, 300);
  try {
    dmesg('-t');
  } catch (e) {
    if (process.getuid?.() === 0) throw e;
    t.diagnostic(`dmesg is not readable without root here: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
  return dmesg;
}
