// The one place where kleak's symbolisation starts external programs (addr2line, gdb, …).
// Every run is `execFile` with an argument array (no shell, so nothing in a capture or a setting
// can become a command), a timeout, an output cap and an AbortSignal. The rest of the
// symbolize/ library receives a `ToolRunner` and never touches child_process, so a test can
// spy on it and an untrusted workspace can be given `denyTools`, which runs nothing.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ToolRequest {
  /** Program name (looked up on PATH by `findTool`) or absolute path. */
  command: string;
  args: string[];
  /** Written to the program's stdin, which is then closed. */
  input?: string;
  timeoutMs: number;
  /** stdout + stderr beyond this many bytes kill the program and fail the run. */
  maxOutputBytes: number;
  signal?: AbortSignal;
}

export interface ToolResult {
  /** The program ran to completion (whatever its exit status). */
  ok: boolean;
  stdout: string;
  stderr: string;
  exitCode: number | null;
  /** Why the run failed: not found, timed out, output too large, cancelled, not allowed. */
  error?: string;
}

export type ToolRunner = (req: ToolRequest) => Promise<ToolResult>;

export const DEFAULT_TOOL_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** The real runner: execFile, never a shell. */
export const execTool: ToolRunner = (req) =>
  new Promise<ToolResult>((resolve) => {
    if (req.signal?.aborted) {
      resolve({ ok: false, stdout: '', stderr: '', exitCode: null, error: 'cancelled' });
      return;
    }
    let child: ReturnType<typeof execFile>;
    try {
      child = execFile(
        req.command,
        req.args,
        {
          encoding: 'utf8',
          timeout: req.timeoutMs,
          killSignal: 'SIGKILL',
          maxBuffer: req.maxOutputBytes,
          signal: req.signal,
          windowsHide: true,
          shell: false,
          // Stable, parseable output whatever the user's locale.
          env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
        },
        (err, stdout, stderr) => {
          const out = typeof stdout === 'string' ? stdout : '';
          const errText = typeof stderr === 'string' ? stderr : '';
          if (!err) {
            resolve({ ok: true, stdout: out, stderr: errText, exitCode: 0 });
            return;
          }
          const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string };
          if (e.code === 'ENOENT') resolve({ ok: false, stdout: '', stderr: errText, exitCode: null, error: `${req.command}: not found` });
          else if (e.code === 'ABORT_ERR' || req.signal?.aborted) resolve({ ok: false, stdout: '', stderr: errText, exitCode: null, error: 'cancelled' });
          else if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
            resolve({ ok: false, stdout: '', stderr: '', exitCode: null, error: `${req.command}: output larger than ${req.maxOutputBytes} bytes` });
          } else if (e.killed || e.signal === 'SIGKILL') {
            resolve({ ok: false, stdout: '', stderr: errText, exitCode: null, error: `${req.command}: timed out after ${req.timeoutMs} ms` });
          } else if (typeof e.code === 'number') {
            // Ran, exited non-zero: the caller decides what the output is worth.
            resolve({ ok: true, stdout: out, stderr: errText, exitCode: e.code });
          } else {
            resolve({ ok: false, stdout: '', stderr: errText, exitCode: null, error: `${req.command}: ${e.message}` });
          }
        },
      );
    } catch (e) {
      resolve({ ok: false, stdout: '', stderr: '', exitCode: null, error: `${req.command}: ${(e as Error).message}` });
      return;
    }
    // A program that exits without reading all its input must not crash us with EPIPE.
    child.stdin?.on('error', () => undefined);
    if (req.input !== undefined) child.stdin?.end(req.input);
    else child.stdin?.end();
  });

/** The runner of an untrusted workspace: runs nothing, says so. */
export const denyTools: ToolRunner = async (req) => ({
  ok: false,
  stdout: '',
  stderr: '',
  exitCode: null,
  error: `${path.basename(req.command)} not run: the workspace is not trusted`,
});

/** Absolute path of an executable found on PATH (or the given absolute path if executable). */
export function findTool(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  const executable = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (path.isAbsolute(name)) return executable(name) ? name : undefined;
  if (!/^[A-Za-z0-9._+-]+$/.test(name)) return undefined;
  for (const dir of pathEnv.split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue;
    const p = path.join(dir, name);
    if (executable(p)) return p;
  }
  return undefined;
}
