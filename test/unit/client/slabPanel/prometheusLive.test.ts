// The fleet view against a real Prometheus (Debian's prometheus and prometheus-node-exporter,
// installed by scripts/provision-prometheus.mjs when missing): two node_exporters (meminfo and
// slabinfo collectors), a third with meminfo only (job node-no-slabinfo) and a Prometheus
// scraping them every second, all on 127.0.0.1 ports that
// were free, with temporary storage. While they scrape, this test holds ~1,500 Unix socket pairs
// open at a steady pace — a real socket "leak" — then queries through the extension's own client
// code (queryFleet) and checks the series that come back against this machine's /proc.
// Bounded: every wait has a deadline; both servers are stopped in `after`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PrometheusError, queryFleet } from '../../../../client/src/slabPanel/prometheus';
import { FleetDto } from '../../../../server/src/protocol';
import { isFleetDto } from '../../../../server/src/protocol';
import { REPO_ROOT } from '../../../helpers/fixtures';

const HOST = '127.0.0.1';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-prometheus-'));
const children: { name: string; proc: ChildProcess; log: string[] }[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rootCanReadSlabinfo = (() => {
  try {
    fs.readFileSync('/proc/slabinfo');
    return true;
  } catch {
    return false;
  }
})();

function which(bin: string): string {
  for (const d of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/sbin']) {
    const p = path.join(d, bin);
    if (d && fs.existsSync(p)) return p;
  }
  throw new Error(`${bin} is not installed: run node scripts/provision-prometheus.mjs`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function start(name: string, bin: string, args: string[]): ChildProcess {
  const proc = spawn(bin, args, { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const keep = (d: Buffer) => {
    log.push(d.toString());
    if (log.length > 200) log.shift();
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  children.push({ name, proc, log });
  return proc;
}

const logs = () => children.map((c) => `--- ${c.name} (exit ${c.proc.exitCode ?? c.proc.signalCode ?? 'running'}):\n${c.log.join('').slice(-2000)}`).join('\n');

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    for (const c of children) if (c.proc.exitCode !== null || c.proc.signalCode !== null) throw new Error(`${c.name} exited while waiting for ${what}\n${logs()}`);
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what} (${String(last)})\n${logs()}`);
    await sleep(250);
  }
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return res.json();
}

async function stopAll(): Promise<void> {
  await Promise.all(
    children.map(async ({ proc }) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    }),
  );
}
process.once('exit', () => {
  for (const { proc } of children) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
});

let promUrl = '';
let exporterUrl = '';
/** The two node_exporters of job "node", with the slabinfo collector. */
const exporterPorts: number[] = [];
/** The node_exporter of job "node-no-slabinfo". */
let noSlabinfoPort = 0;
let window: { start: number; end: number } = { start: 0, end: 0 };
let held = 0;
const sockets: net.Socket[] = [];
let server: net.Server | undefined;

describe('fleet view against a real Prometheus and node_exporter', { timeout: 240_000 }, () => {
  before(async () => {
    // install when missing (root); otherwise this fails with the command to run
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'provision-prometheus.mjs')], { stdio: 'pipe', timeout: 15 * 60_000 });
    const [p1, p2, p3, p4] = [await freePort(), await freePort(), await freePort(), await freePort()];
    exporterPorts.push(p1, p2);
    noSlabinfoPort = p4;
    exporterUrl = `http://${HOST}:${p1}`;
    promUrl = `http://${HOST}:${p3}`;
    for (const p of [p1, p2]) {
      start(`node_exporter :${p}`, which('prometheus-node-exporter'), [
        `--web.listen-address=${HOST}:${p}`,
        '--collector.disable-defaults',
        '--collector.meminfo',
        '--collector.slabinfo',
      ]);
    }
    // and one without the slabinfo collector (its default), in a job of its own
    start(`node_exporter :${p4} (no slabinfo)`, which('prometheus-node-exporter'), [`--web.listen-address=${HOST}:${p4}`, '--collector.disable-defaults', '--collector.meminfo']);
    const config = path.join(tmp, 'prometheus.yml');
    fs.writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 900ms',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: node',
        '    static_configs:',
        `      - targets: ['${HOST}:${p1}', '${HOST}:${p2}']`,
        '  - job_name: node-no-slabinfo',
        '    static_configs:',
        `      - targets: ['${HOST}:${p4}']`,
        '',
      ].join('\n'),
    );
    start('prometheus', which('prometheus'), [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(tmp, 'data')}`,
      `--web.listen-address=${HOST}:${p3}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ]);
    await until('Prometheus to be ready', 30_000, async () => ((await fetch(`${promUrl}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok ? true : undefined));
    await until('the three exporters to be scraped', 20_000, async () => {
      const r = (await getJson(`${promUrl}/api/v1/query?query=${encodeURIComponent('sum(up)')}`)) as { data?: { result?: { value: [number, string] }[] } };
      return Number(r.data?.result?.[0]?.value[1] ?? 0) === 3 ? true : undefined;
    });

    // a steady socket "leak" while Prometheus scrapes: Unix stream connections kept open
    window.start = Math.floor(Date.now() / 1000);
    const sock = path.join(tmp, 'leak.sock');
    server = net.createServer((c) => sockets.push(c));
    await new Promise<void>((r) => server!.listen(sock, r));
    for (let round = 0; round < 30; round++) {
      await Promise.all(
        Array.from({ length: 50 }, () => new Promise<void>((resolve, reject) => {
          const c = net.connect(sock, () => resolve());
          c.once('error', reject);
          sockets.push(c);
        })),
      );
      held += 50;
      await sleep(1900); // 30 rounds: Prometheus scrapes the growth for a minute, as users would watch it
    }
    await sleep(2500); // the last scrapes
    window.end = Math.floor(Date.now() / 1000);
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    server?.close();
    await stopAll();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('ranks both instances and returns their real slab meminfo series', async () => {
    assert.ok(window.end - window.start >= 55, 'scraped for a minute');
    const fleet: FleetDto = await queryFleet({ url: promUrl, start: window.start, end: window.end, step: 1, selector: 'job="node"' });
    assert.equal(isFleetDto(fleet), true);
    assert.equal(fleet.url, promUrl);
    assert.equal(fleet.step, 1);
    assert.ok(fleet.times.length >= 10);
    assert.deepEqual(fleet.instances.map((i) => i.instance).sort(), exporterPorts.map((p) => `${HOST}:${p}`).sort());
    assert.ok(fleet.instances.every((i) => i.job === 'node'));
    // ranked by SUnreclaim growth rate
    assert.ok(fleet.instances[0].rateBytesPerSecond >= fleet.instances[1].rateBytesPerSecond);

    const meminfo = Object.fromEntries(
      fs.readFileSync('/proc/meminfo', 'utf8').split('\n').filter(Boolean).map((l) => {
        const [k, v] = l.split(/:\s+/);
        return [k, parseInt(v, 10) * 1024];
      }),
    );
    for (const inst of fleet.instances) {
      for (const field of ['SUnreclaim', 'SReclaimable', 'Slab', 'VmallocUsed']) {
        const values = inst.meminfo[field];
        assert.ok(values, `${inst.instance} has ${field}`);
        const present = values.filter((v): v is number => v !== null);
        assert.ok(present.length >= values.length - 3, `${inst.instance} ${field}: ${present.length} of ${values.length} points`);
        // the same order of magnitude as this machine's /proc/meminfo right now
        const latest = present.at(-1)!;
        assert.ok(latest > 0.5 * meminfo[field] && latest < 2 * meminfo[field], `${field}: Prometheus ${latest}, /proc ${meminfo[field]}`);
      }
      const { Slab, SReclaimable, SUnreclaim } = inst.meminfo;
      const i = Slab.findIndex((v, k) => v !== null && SReclaimable[k] !== null && SUnreclaim[k] !== null);
      assert.equal(Slab[i], SReclaimable[i]! + SUnreclaim[i]!, 'Slab = SReclaimable + SUnreclaim, scraped together');
    }
  });

  it(`returns the caches of node_slabinfo_* ${rootCanReadSlabinfo ? 'with the held sockets growing' : '(collector unreadable without root: says so)'}`, async () => {
    const fleet = await queryFleet({ url: promUrl, start: window.start, end: window.end, step: 1, selector: 'job="node"' });
    if (!rootCanReadSlabinfo) {
      assert.equal(fleet.slabinfo, false);
      assert.ok(fleet.warnings.some((w) => /--collector\.slabinfo/.test(w)), fleet.warnings.join('\n'));
      return;
    }
    assert.equal(fleet.slabinfo, true, fleet.warnings.join('\n'));
    assert.ok(held >= 1500);
    for (const inst of fleet.instances) {
      assert.ok(inst.caches.length > 10, `${inst.instance}: ${inst.caches.length} caches`);
      assert.ok(inst.caches.every((c, k, a) => k === 0 || a[k - 1].growthBytes >= c.growthBytes), 'ranked by growth');
      const sock = inst.caches.find((c) => c.name === 'sock_inode_cache');
      assert.ok(sock, `${inst.instance} lists sock_inode_cache among its growing caches: ${inst.caches.map((c) => `${c.name} ${c.growthBytes}`).join(', ')}`);
      // 2 socket inodes per held connection (both ends), ~832 bytes each: at least half of it seen
      assert.ok(sock.growthBytes >= 0.5 * 2 * held * 700, `sock_inode_cache grew ${sock.growthBytes} bytes for ${held} connections`);
      assert.equal(sock.reclaimable, false, 'socket inodes live as long as their sockets');
      assert.notEqual(sock.verdict, 'cache');
      assert.equal(sock.objectSize > 0, true);
      const last = sock.totalObjects.filter((v): v is number => v !== null).at(-1)!;
      const proc = fs.readFileSync('/proc/slabinfo', 'utf8').split('\n').find((l) => l.startsWith('sock_inode_cache '))!;
      const now = Number(proc.split(/\s+/)[2]);
      assert.ok(Math.abs(last - now) < 0.5 * now + 100, `objects: Prometheus ${last}, /proc/slabinfo ${now}`);
    }
  });

  it('says which instances export no node_slabinfo_* (the exporter without --collector.slabinfo)', async () => {
    const fleet = await queryFleet({ url: promUrl, start: window.start, end: window.end, step: 1 });
    const all = [...exporterPorts, noSlabinfoPort].map((p) => `${HOST}:${p}`).sort();
    assert.deepEqual(fleet.instances.map((i) => i.instance).sort(), all);
    assert.deepEqual(fleet.instances.find((i) => i.instance === `${HOST}:${noSlabinfoPort}`)!.caches, []);
    const expected = rootCanReadSlabinfo
      ? '1 of the 3 fastest-growing instances export no node_slabinfo_* series (--collector.slabinfo is off there).'
      : "No node_slabinfo_* series: node_exporter's slabinfo collector is off (it is by default). Start node_exporter with --collector.slabinfo, as root (it reads /proc/slabinfo), to see per-cache growth.";
    assert.deepEqual(fleet.warnings, [expected]);
  });

  it('says what to do when the URL, the server or the selector is wrong', async () => {
    const q = { start: window.start, end: window.end, step: 1 };
    await assert.rejects(
      queryFleet({ ...q, url: exporterUrl }),
      (e: unknown) => e instanceof PrometheusError && /Prometheus server itself/.test(e.message),
      'node_exporter is not Prometheus',
    );
    const closed = await freePort();
    await assert.rejects(
      queryFleet({ ...q, url: `http://${HOST}:${closed}` }),
      (e: unknown) => e instanceof PrometheusError && e.kind === 'unreachable' && /ECONNREFUSED/.test(e.message),
    );
    await assert.rejects(
      queryFleet({ ...q, url: promUrl, selector: 'job="no-such-job"' }),
      (e: unknown) => e instanceof PrometheusError && e.kind === 'no-data' && /kleak\.prometheus\.selector/.test(e.message),
    );
    const one = await queryFleet({ ...q, url: promUrl, selector: `instance="${HOST}:${exporterPorts[1]}"` });
    assert.deepEqual(one.instances.map((i) => i.instance), [`${HOST}:${exporterPorts[1]}`]);
    assert.equal(one.selector, `instance="${HOST}:${exporterPorts[1]}"`);
  });
});
