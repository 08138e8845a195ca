// client/src/slabPanel/prometheus.ts, its pure parts: settings validation, query_range response
// parsing, alignment on the grid, cache verdicts, instance ranking and the messages of each
// failure. The HTTP client is exercised against a real Prometheus in prometheusLive.test.ts;
// here a stub stands in to produce each HTTP failure, and a local HTTP server serving a real
// series to produce the answers of node_exporters without the slabinfo collector.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  FetchLike,
  PrometheusError,
  alignToGrid,
  buildFleet,
  grid,
  judgeCache,
  parseEndpoint,
  parseMatrix,
  parseSelector,
  promString,
  queryFleet,
  stepFor,
} from '../../../../client/src/slabPanel/prometheus';
import { slabSeriesDto } from '../../../helpers/slabSeries';
import { fixtureText } from '../../../helpers/fixtures';

/** A query_range answer in the shape Prometheus 2.x documents (values are strings). */
function matrix(result: { metric: Record<string, string>; values: [number, string][] }[], extra: Record<string, unknown> = {}) {
  return { status: 'success', data: { resultType: 'matrix', result }, ...extra };
}

describe('prometheus: settings', () => {
  it('accepts http(s) URLs, keeps a path prefix and turns credentials into a Basic header', () => {
    assert.deepEqual(parseEndpoint('http://127.0.0.1:9090/'), { base: 'http://127.0.0.1:9090', authorization: undefined });
    assert.deepEqual(parseEndpoint(' https://mon.example/prometheus/?x=1#y '), { base: 'https://mon.example/prometheus', authorization: undefined });
    const e = parseEndpoint('https://ops:s%3Acret@mon.example/');
    assert.equal(e.base, 'https://mon.example');
    assert.equal(e.authorization, `Basic ${Buffer.from('ops:s:cret').toString('base64')}`);
    for (const bad of ['', '127.0.0.1:9090', 'ftp://x', 'file:///etc/passwd', 'javascript:alert(1)']) {
      assert.throws(() => parseEndpoint(bad), (err: unknown) => err instanceof PrometheusError && err.kind === 'config', bad);
    }
  });

  it('validates label matchers and normalises them', () => {
    assert.equal(parseSelector(''), '');
    assert.equal(parseSelector(undefined), '');
    assert.equal(parseSelector('job="node"'), 'job="node"');
    assert.equal(parseSelector(' {job = "node" ,instance=~"db-.*", env!="dev",x!~"a\\"b"} '), 'job="node", instance=~"db-.*", env!="dev", x!~"a\\"b"');
    for (const bad of ['job=node', 'job="node"} or vector(1) #', '1job="x"', 'job="x" env="y"', 'job="unterminated', 'job=="x"', '{}{}']) {
      assert.throws(() => parseSelector(bad), (err: unknown) => err instanceof PrometheusError && err.kind === 'config', bad);
    }
    // linear whatever the input: a megabyte of near-matchers fails fast
    const t = Date.now();
    assert.throws(() => parseSelector(`${'a="b",'.repeat(150_000)}a="`));
    assert.ok(Date.now() - t < 2000);
  });

  it('quotes PromQL strings', () => {
    assert.equal(promString('db1:9100'), '"db1:9100"');
    assert.equal(promString('a"b\\c\nd'), '"a\\"b\\\\c\\nd"');
  });

  it('picks about 300 points per range, never a step under a second', () => {
    assert.equal(stepFor(30), 1);
    assert.equal(stepFor(3600), 12);
    assert.equal(stepFor(7 * 86400), 2016);
    assert.deepEqual(grid(100, 130, 15), [100, 115, 130]);
    assert.deepEqual(grid(100, 129, 15), [100, 115]);
  });
});

describe('prometheus: responses', () => {
  it('reads a matrix, dropping NaN/Inf samples, and passes Prometheus warnings on', () => {
    const r = parseMatrix(
      matrix(
        [
          { metric: { __name__: 'node_memory_SUnreclaim_bytes', instance: 'a:9100', job: 'node' }, values: [[1700000000, '38712000'], [1700000015, 'NaN'], [1700000030, '+Inf'], [1700000045, '38800000']] },
          { metric: { instance: 'b:9100', job: 'node' }, values: [[1700000000.5, '1e8']] },
        ],
        { warnings: ['query hit the sample limit'] },
      ),
    );
    assert.equal(r.series.length, 2);
    assert.deepEqual(r.series[0].values, [[1700000000, 38712000], [1700000045, 38800000]]);
    assert.deepEqual(r.series[1].values, [[1700000000.5, 1e8]]);
    assert.deepEqual(r.warnings, ['query hit the sample limit']);
  });

  it('turns an API error into a message with Prometheus\'s reason', () => {
    assert.throws(
      () => parseMatrix({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:6: parse error' }, 'node_memory_Slab_bytes{'),
      (e: unknown) => e instanceof PrometheusError && e.kind === 'query' && /bad_data.*parse error/.test(e.message),
    );
    for (const notApi of [null, [], { hello: 'world' }, { status: 'success', data: { resultType: 'vector', result: [] } }]) {
      assert.throws(() => parseMatrix(notApi), (e: unknown) => e instanceof PrometheusError && e.kind === 'not-prometheus');
    }
  });

  it('aligns samples on the grid, null where a scrape is missing', () => {
    assert.deepEqual(alignToGrid([[100, 1], [130.2, 3], [200, 9]], 100, 15, 4), [1, null, 3, null]);
  });
});

describe('prometheus: verdicts and ranking', () => {
  const real = slabSeriesDto('slabtop-series.txt');
  const bytesOf = (name: string) => real.caches.find((c) => c.name === name)!.bytes;

  it('judges caches from their memory over time as the series analysis does (real socket leak series)', () => {
    const sock = judgeCache('sock_inode_cache', real.times, bytesOf('sock_inode_cache'), 832);
    assert.equal(sock.verdict, 'likely-leak', sock.reason);
    assert.equal(sock.reclaimable, false);
    assert.ok(sock.rate > 0 && sock.r2 > 0.8);
    const dentry = judgeCache('dentry', real.times, bytesOf('dentry'), 192);
    assert.equal(dentry.verdict, 'cache', dentry.reason);
    assert.equal(judgeCache('kmalloc-8k', real.times, real.times.map(() => 294912), 8192).verdict, 'stable');
    assert.equal(judgeCache('x', [1], [5], 8).verdict, 'stable');
    // the same verdicts as the server's analysis of the same series
    for (const name of ['sock_inode_cache', 'dentry', 'ext4_inode_cache']) {
      const c = real.caches.find((x) => x.name === name)!;
      assert.equal(judgeCache(name, real.times, c.bytes, c.objectSize).verdict, c.verdict, name);
    }
  });

  it('ranks instances by SUnreclaim slope and keeps each one\'s top caches', () => {
    const times = grid(1000, 1000 + 57, 1);
    const sun = (instance: string, slope: number) => ({ metric: { instance, job: 'node' }, values: times.map((t, i) => [t, 4e7 + slope * i] as [number, number]) });
    const objects = real.caches.slice(0, 5).map((c) => ({ metric: { slab: c.name, instance: 'leaky:9100', job: 'node' }, values: times.map((t, i) => [t, (c.totalObjects[i] ?? 0)] as [number, number]) }));
    const size = real.caches.slice(0, 5).map((c) => ({ metric: { slab: c.name, instance: 'leaky:9100', job: 'node' }, values: times.map((t) => [t, c.objectSize] as [number, number]) }));
    const fleet = buildFleet(
      { url: 'http://127.0.0.1:9090', selector: '', times, step: 1 },
      { SUnreclaim: [sun('quiet:9100', 0), sun('leaky:9100', 100_000), sun('slow:9100', 10)], SReclaimable: [sun('leaky:9100', 5)] },
      new Map([['node\u0000leaky:9100', { objects, active: [], size }]]),
    );
    assert.deepEqual(fleet.map((i) => i.instance), ['leaky:9100', 'slow:9100', 'quiet:9100']);
    assert.ok(Math.abs(fleet[0].rateBytesPerSecond - 100_000) < 1e-6);
    assert.equal(fleet[0].r2, 1);
    assert.equal(fleet[0].growthBytes, 5_700_000);
    assert.deepEqual(Object.keys(fleet[0].meminfo).sort(), ['SReclaimable', 'SUnreclaim']);
    assert.equal(fleet[0].caches.length, 5);
    assert.ok(fleet[0].caches.every((c, i, a) => i === 0 || a[i - 1].growthBytes >= c.growthBytes));
    assert.deepEqual(fleet[1].caches, []);
  });
});

describe('prometheus: failures say what to do', () => {
  const at = (o: { status?: number; body?: string; contentType?: string; throws?: Error }): FetchLike =>
    async () => {
      if (o.throws) throw o.throws;
      return { status: o.status ?? 200, statusText: 'x', headers: { get: (h: string) => (h === 'content-type' ? o.contentType ?? 'application/json' : null) }, text: async () => o.body ?? '' };
    };
  const q = { url: 'http://127.0.0.1:9', start: 1000, end: 1060 };
  const fails = async (f: FetchLike, kind: string, re: RegExp) =>
    assert.rejects(queryFleet(q, f), (e: unknown) => e instanceof PrometheusError && e.kind === kind && re.test(e.message));

  it('unreachable, auth, not Prometheus, no data', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    await fails(at({ throws: refused }), 'unreachable', /Cannot reach Prometheus at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\).*kleak\.prometheus\.url/);
    await fails(at({ throws: Object.assign(new Error('t'), { name: 'TimeoutError' }) }), 'unreachable', /timed out/);
    await fails(at({ status: 401 }), 'auth', /HTTP 401.*credentials/);
    await fails(at({ status: 200, body: '# HELP node_cpu_seconds_total', contentType: 'text/plain' }), 'not-prometheus', /not node_exporter or Grafana/);
    await fails(at({ status: 200, body: '{"hello":1}' }), 'not-prometheus', /Prometheus server itself/);
    await fails(at({ status: 400, body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' }) }), 'query', /parse error/);
    await fails(at({ body: JSON.stringify(matrix([])) }), 'no-data', /No node_memory_SUnreclaim_bytes series.*node_exporter/);
    await assert.rejects(queryFleet({ ...q, selector: 'job=node' }, at({})), (e: unknown) => e instanceof PrometheusError && e.kind === 'config');
    await assert.rejects(queryFleet({ ...q, end: 1000 }, at({})), (e: unknown) => e instanceof PrometheusError && e.kind === 'config');
  });
});

// A Prometheus stand-in on 127.0.0.1 (real HTTP, the client's real fetch) serving a real series:
// test/fixtures/slabinfo/slabinfo_21_… (4 snapshots a second apart of SUnreclaim and the rows of
// sock_inode_cache, dentry and kmalloc-64), as node_exporter's meminfo collector would export it
// from instances "a:9100" and "b:9100"; node_slabinfo_* only for the instances given.
describe('prometheus: node_exporter without --collector.slabinfo', () => {
  const text = fixtureText('slabinfo', 'slabinfo_21_x86_64_project_machine_recorder_mix_grep_series.txt');
  const snaps = text.trim().split(/\n\n/).map((block) => block.split('\n'));
  const sunreclaim = snaps.map((s) => Number(/^SUnreclaim:\s+(\d+) kB$/.exec(s.find((l) => l.startsWith('SUnreclaim:'))!)![1]) * 1024);
  const row = (s: string[], cache: string) => s.find((l) => l.startsWith(`${cache} `))!.split(/\s+/);

  async function fakePrometheus(slabinfoOn: string[], fn: (url: string) => Promise<void>) {
    const server = http.createServer((req, res) => {
      const u = new URL(req.url ?? '', 'http://x');
      const query = u.searchParams.get('query') ?? '';
      const start = Number(u.searchParams.get('start'));
      const at = (i: number) => start + i; // step 1: grid point i is snapshot i
      const result: { metric: Record<string, string>; values: [number, string][] }[] = [];
      if (u.pathname === '/api/v1/query_range' && query.startsWith('node_memory_SUnreclaim_bytes')) {
        for (const instance of ['a:9100', 'b:9100']) result.push({ metric: { instance, job: 'node' }, values: sunreclaim.map((v, i) => [at(i), String(v)]) });
      }
      const inst = /instance="([^"]+)"/.exec(query)?.[1];
      const field = { node_slabinfo_objects: 2, node_slabinfo_active_objects: 1, node_slabinfo_object_size_bytes: 3 }[query.split('{')[0]];
      if (field && inst && slabinfoOn.includes(inst)) {
        for (const slab of ['sock_inode_cache', 'dentry', 'kmalloc-64']) result.push({ metric: { instance: inst, job: 'node', slab }, values: snaps.map((s, i) => [at(i), row(s, slab)[field]]) });
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(matrix(result)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }

  it('the fixture holds 4 snapshots', () => {
    assert.deepEqual(sunreclaim, [36588, 36384, 36448, 36504].map((k) => k * 1024));
  });

  it('says to start node_exporter with --collector.slabinfo when no instance exports node_slabinfo_*', async () => {
    await fakePrometheus([], async (url) => {
      const fleet = await queryFleet({ url, start: 1000, end: 1003, step: 1 });
      assert.equal(fleet.slabinfo, false);
      assert.deepEqual(fleet.instances.map((i) => [i.instance, i.meminfo.SUnreclaim, i.caches.length]), [
        ['a:9100', sunreclaim, 0],
        ['b:9100', sunreclaim, 0],
      ]);
      assert.deepEqual(fleet.warnings, [
        "No node_slabinfo_* series: node_exporter's slabinfo collector is off (it is by default). Start node_exporter with --collector.slabinfo, as root (it reads /proc/slabinfo), to see per-cache growth.",
      ]);
    });
  });

  it('names how many instances lack the collector when some have it', async () => {
    await fakePrometheus(['b:9100'], async (url) => {
      const fleet = await queryFleet({ url, start: 1000, end: 1003, step: 1 });
      assert.equal(fleet.slabinfo, true);
      assert.deepEqual(fleet.warnings, ['1 of the 2 fastest-growing instances export no node_slabinfo_* series (--collector.slabinfo is off there).']);
      const b = fleet.instances.find((i) => i.instance === 'b:9100')!;
      assert.deepEqual(b.caches.map((c) => c.name).sort(), ['dentry', 'kmalloc-64', 'sock_inode_cache']);
      assert.deepEqual(b.caches.find((c) => c.name === 'dentry')!.totalObjects, [19236, 19131, 19152, 19236]);
      assert.deepEqual(fleet.instances.find((i) => i.instance === 'a:9100')!.caches, []);
    });
  });
});
