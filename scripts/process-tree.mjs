// Processes seen through /proc (Linux): a process's descendants, its command line, whether it lives.
// Used to find every process code-server started (extension host, language server, tools), e.g.
// to check their sockets or that none survives a stop.
import fs from 'node:fs';

/** [pid, ppid, state] of every process, read from /proc/<pid>/stat (the comm field may hold spaces or parentheses). */
function allProcesses() {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat;
    try { stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8'); } catch { continue; } // gone meanwhile
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.push({ pid: Number(d), state: rest[0], ppid: Number(rest[1]), pgid: Number(rest[2]) });
  }
  return out;
}

/** Pids of `pid` and all of its live descendants. */
export function processTree(pid) {
  const procs = allProcesses().filter((p) => p.state !== 'Z');
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (!tree.has(p.pid) && tree.has(p.ppid)) { tree.add(p.pid); grew = true; }
  }
  return [...tree].filter((p) => p === pid ? procs.some((x) => x.pid === pid) : true);
}

/** Pids of the live processes in process group `pgid`. */
export function processGroup(pgid) {
  return allProcesses().filter((p) => p.pgid === pgid && p.state !== 'Z').map((p) => p.pid);
}

/** The process group of `pid` (undefined once it is gone). */
export function processGroupOf(pid) {
  return allProcesses().find((p) => p.pid === pid)?.pgid;
}

/** True while `pid` exists and is not a zombie. */
export function alive(pid) {
  return allProcesses().some((p) => p.pid === pid && p.state !== 'Z');
}

/** The command line of `pid` ('' once it is gone). */
export function commandLine(pid) {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' '); } catch { return ''; }
}
