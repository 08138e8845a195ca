// The CLI as users run it: `node dist/cli.js …` (dist/ is built by `npm test` before the suites).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './fixtures';

export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI with `args`; a run that does not finish within `timeout` fails the test (a hang is a failure). */
export function runCli(args: string[], { timeout = 120_000, env, input }: { timeout?: number; env?: NodeJS.ProcessEnv; input?: Buffer | string } = {}): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout, maxBuffer: 256 << 20, env, input });
  assert.equal(r.error, undefined, `kleak ${args.join(' ')} did not finish: ${r.error}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const kleak = (...args: string[]): CliRun => runCli(args);
