// Watches the sockets of a process tree (code-server, its extension host, kleak's language server and
// anything they run) and reports every connection whose peer is not on this machine's loopback.
//
// Why sampling /proc rather than a recording proxy in HTTP(S)_PROXY/ALL_PROXY: a proxy sees only
// clients that honour those variables (Node's own http/https/net do not; code-server runs with
// --disable-proxy; a raw socket or DNS lookup bypasses any proxy), so a silent proxy proves little.
// The kernel's socket tables list every TCP/UDP socket whatever opened it; matching their inodes
// with the fds of the tree attributes each to a process, whatever library or language opened it.
// Its limit: a connection opened and closed (or refused at once, e.g. no route) between two samples
// is missed, so a watch is a net with a 250 ms mesh, not a proof.
import fs from 'node:fs';
import { processTree, commandLine } from './process-tree.mjs';

const TABLES = ['tcp', 'tcp6', 'udp', 'udp6'];

/** An address of /proc/net/{tcp,udp}[6] ("0100007F:1F90", 32 hex digits for IPv6) as text. */
export function decodeAddress(hexAddr) {
  const [ip, port] = hexAddr.split(':');
  const p = parseInt(port, 16);
  if (ip.length === 8) return { ip: [3, 2, 1, 0].map((i) => parseInt(ip.slice(i * 2, i * 2 + 2), 16)).join('.'), port: p };
  // IPv6: four 32-bit words, each in host (little-endian) byte order
  const bytes = [];
  for (let w = 0; w < 4; w++) for (const i of [3, 2, 1, 0]) bytes.push(parseInt(ip.slice(w * 8 + i * 2, w * 8 + i * 2 + 2), 16));
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return { ip: `::ffff:${bytes.slice(12).join('.')}`, port: p };
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return { ip: groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::'), port: p };
}

/** True for the loopback range (127.0.0.0/8, ::1, and 127.x mapped into IPv6). */
export function isLoopback(ip) {
  return /^(?:::ffff:)?127\./.test(ip) || ip === '::1';
}

/** An unconnected socket (listening, or UDP without connect()) has no peer: all zeros. */
const NO_PEER = /^(?:0\.0\.0\.0|::|::ffff:0\.0\.0\.0)$/;

/** Parses one /proc/net table's text: inode → { proto, local, remote, remoteIp }. */
export function parseSocketTable(proto, text, into = new Map()) {
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = decodeAddress(f[1]);
    const remote = decodeAddress(f[2]);
    into.set(f[9], { proto, local: `${local.ip}:${local.port}`, remote: `${remote.ip}:${remote.port}`, remoteIp: remote.ip });
  }
  return into;
}

function readTables() {
  const all = new Map();
  for (const t of TABLES) {
    try { parseSocketTable(t, fs.readFileSync(`/proc/net/${t}`, 'utf8'), all); } catch { /* no IPv6 here */ }
  }
  return all;
}

function socketInodes(pid) {
  const out = [];
  let fds = [];
  try { fds = fs.readdirSync(`/proc/${pid}/fd`); } catch { return out; }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.push(m[1]);
    } catch { /* closed meanwhile */ }
  }
  return out;
}

/** One look at the tree's sockets: the connected ones, split into loopback and remote. */
export function sampleSockets(rootPid) {
  const tables = readTables();
  const loopback = [];
  const remote = [];
  for (const pid of processTree(rootPid)) {
    for (const inode of socketInodes(pid)) {
      const s = tables.get(inode);
      if (!s || NO_PEER.test(s.remoteIp)) continue;
      (isLoopback(s.remoteIp) ? loopback : remote).push({ ...s, pid });
    }
  }
  return { loopback, remote };
}

/**
 * Samples the tree of `rootPid` every `intervalMs` until stop(). `onRemote(description)` is called
 * once per connection to a peer off loopback. stop() returns { remote, loopbackSeen }: a watch that
 * saw no loopback connection either (the browser's to code-server is one) was blind.
 */
export function watchSockets(rootPid, { intervalMs = 250, onRemote = () => {} } = {}) {
  const remote = new Map();
  let loopbackSeen = 0;
  const look = () => {
    const s = sampleSockets(rootPid);
    loopbackSeen += s.loopback.length;
    for (const r of s.remote) {
      const key = `${r.proto} ${r.local} -> ${r.remote}`;
      if (remote.has(key)) continue;
      const d = `${r.proto} connection to ${r.remote} by pid ${r.pid} (${commandLine(r.pid).slice(0, 160)})`;
      remote.set(key, d);
      onRemote(d);
    }
  };
  look();
  const timer = setInterval(look, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      look();
      return { remote: [...remote.values()], loopbackSeen };
    },
  };
}
