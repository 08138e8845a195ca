// Issue 9, external tools: a static scan of the extension and server sources. Programs start only
// in the modules allowed below, through execFile/spawn with argument arrays (never a shell, never
// exec/execSync with a command string), with a timeout and an output cap; a terminal only ever
// gets a command typed, not run, with every interpolated value shell-quoted; no VS Code task runs
// a shell. The behaviour of the one runner (timeouts, caps, arguments kept as text, cancellation,
// no tool in an untrusted workspace) is tested in test/unit/analysis/symbolize/toolRunner.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/fixtures';
import { code, sources } from '../../helpers/sourceFiles';

/** The only modules that may start a program, and why. */
const ALLOWED: Record<string, string> = {
  'server/src/analysis/symbolize/toolRunner.ts': 'addr2line, llvm-addr2line and gdb for symbol sources (execFile, no shell)',
};


const FILES = [...sources('client/src'), ...sources('server/src')];


/** The argument text of each call of `name(` in `src` (balanced parentheses). */
function calls(src: string, name: RegExp): string[] {
  const out: string[] = [];
  for (const m of src.matchAll(name)) {
    let depth = 0;
    let i = m.index! + m[0].length - 1;
    const start = i + 1;
    for (; i < src.length; i++) {
      if (src[i] === '(') depth++;
      else if (src[i] === ')' && --depth === 0) break;
    }
    out.push(src.slice(start, i));
  }
  return out;
}

const CHILD_PROCESS = /(?:from\s+|require\(\s*)['"](?:node:)?child_process['"]/;

/** Shell options, exec/execSync and tasks: forbidden in any module. */
function forbidden(src: string): string[] {
  const out: string[] = [];
  if (/\bshell\s*:\s*(?!false\b)[^,}\s]+/.test(src)) out.push('a shell option other than false');
  if (/\bnew\s+(?:vscode\.)?(?:ShellExecution|ProcessExecution)\b/.test(src) || /\btasks\.executeTask\b/.test(src)) out.push('runs a VS Code task');
  if (!CHILD_PROCESS.test(src)) return out;
  if (/import\s*\{[^}]*\bexec(?:Sync)?\b[^}]*\}\s*from\s*['"](?:node:)?child_process/.test(src)) out.push('imports exec/execSync');
  if (/(?<![\w.])exec(?:Sync)?\s*\(/.test(src)) out.push('calls exec/execSync');
  if (/\.\s*exec(?:Sync)?\s*\(\s*[`'"]/.test(src)) out.push('calls child_process.exec with a string');
  return out;
}

/** Each program start must pass a program and an argument array, shell: false, a timeout and an output cap. */
function startProblems(src: string): string[] {
  const out: string[] = [];
  for (const args of calls(src, /\b(?:execFile|spawn|execFileSync|spawnSync|fork)\s*\(/g)) {
    if (!/^\s*[\w.]+\s*,\s*(?:\[|[\w.]+\s*,)/.test(args)) out.push(`not a program and an argument array: ${args.slice(0, 80)}`);
    if (!/\bshell\s*:\s*false\b/.test(args)) out.push('no shell: false');
    if (!/\btimeout\s*:/.test(args)) out.push('no timeout');
    if (!/\bmaxBuffer\s*:/.test(args)) out.push('no output cap');
  }
  return out;
}

/** Commands typed into a terminal: not run (sendText(…, false)), every interpolated value shell-quoted. */
function typedProblems(src: string): { typed: number; problems: string[] } {
  const problems: string[] = [];
  const typed = calls(src, /\.sendText\s*\(/g);
  for (const args of typed) {
    if (!/,\s*false\s*$/.test(args)) problems.push('sendText without false: the command would run');
    const text = args.replace(/,\s*false\s*$/, '');
    for (const m of text.matchAll(/\$\{/g)) if (!text.startsWith('shellQuote(', m.index! + 2)) problems.push(`an unquoted value: ${text.slice(0, 120)}`);
  }
  return { typed: typed.length, problems };
}

describe('external programs', () => {
  it('the scan sees the sources (and the allowed modules exist)', () => {
    assert.ok(FILES.length > 50, `${FILES.length} source files`);
    for (const f of Object.keys(ALLOWED)) assert.ok(FILES.includes(f), `${f} exists`);
  });

  it('the scan catches what it must (on bad code)', () => {
    const imp = "import { exec } from 'node:child_process';\n";
    assert.deepEqual(forbidden(`${imp}exec('addr2line -e ' + vmlinux);`), ['imports exec/execSync', 'calls exec/execSync']);
    assert.deepEqual(forbidden("import * as cp from 'child_process';\ncp.execSync(`gdb ${x}`);"), ['calls child_process.exec with a string']);
    assert.deepEqual(forbidden('spawn(cmd, [], { shell: true });'), ['a shell option other than false']);
    assert.deepEqual(forbidden("new vscode.ShellExecution('make')"), ['runs a VS Code task']);
    assert.deepEqual(forbidden("const m = RE.exec(line); execFile(p, args, { shell: false })"), []);
    assert.deepEqual(startProblems('execFile(`addr2line -e ${f}`, { timeout: 1 })'), ['not a program and an argument array: `addr2line -e ${f}`, { timeout: 1 }', 'no shell: false', 'no output cap']);
    assert.deepEqual(startProblems("execFile(tool, ['-e', f], { shell: false, timeout: t, maxBuffer: m }, cb)"), []);
    assert.deepEqual(typedProblems('t.sendText(`sudo sh ${script}`)').problems, ['sendText without false: the command would run', 'an unquoted value: `sudo sh ${script}`']);
    assert.deepEqual(typedProblems('t.sendText(`sudo sh ${shellQuote(script)}`, false)').problems, []);
  });

  it('child_process is used only by the allowed modules', () => {
    const users = FILES.filter((f) => CHILD_PROCESS.test(code(f)));
    assert.deepEqual(users.filter((f) => !(f in ALLOWED)), [], 'modules outside the allow list import child_process');
  });

  it('no exec/execSync (a command string run by a shell), no shell: true, no VS Code task, anywhere', () => {
    for (const f of FILES) assert.deepEqual(forbidden(code(f)), [], f);
  });

  it('every program started gets an argument array, no shell, a timeout and an output cap', () => {
    for (const f of Object.keys(ALLOWED)) {
      const src = code(f);
      assert.ok(calls(src, /\b(?:execFile|spawn|execFileSync|spawnSync|fork)\s*\(/g).length > 0, `${f} starts programs`);
      assert.deepEqual(startProblems(src), [], f);
    }
  });

  it('terminals only get commands typed, not run, with every value shell-quoted', () => {
    let typed = 0;
    for (const f of FILES) {
      const r = typedProblems(code(f));
      typed += r.typed;
      assert.deepEqual(r.problems, [], f);
    }
    assert.ok(typed <= 2, `${typed} places type into a terminal (review each new one)`);
  });

  it('the shell quoting used for typed and printed commands keeps any value one literal word', async () => {
    const { shellQuote, shellWord } = await import('../../../server/src/analysis/shellWord');
    const { execFileSync } = await import('node:child_process');
    for (const quote of [shellQuote, shellWord]) {
      for (const v of ["it's", '$(id)', '`id`', 'a b', '"; rm -rf ~ #', "'", "''", '\\', '!x', '*', '~', '-n', 'dmesg.txt', 'logs/a-b+c.txt']) {
        const out = execFileSync('sh', ['-c', `printf '%s' ${quote(v)}`], { encoding: 'utf8', timeout: 5000 });
        assert.equal(out, v);
      }
    }
  });
});
