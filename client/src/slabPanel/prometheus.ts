// The fleet view's data: slab metrics of many machines from a Prometheus server's HTTP API
// (query_range of node_exporter's node_memory_* and node_slabinfo_* series), aligned on one
// time grid, with each instance's SUnreclaim growth rate and each cache's verdict. Pure: no
// vscode; the HTTP client is injected (global fetch by default) so tests can use a real server.
import { FleetDto, FleetInstanceDto, SlabCacheSeriesDto, SlabVerdict } from '../../../server/src/protocol';
import { fit } from '../../../server/src/analysis/growth';
import { MIN_GROWTH_BYTES, STEADY_MONOTONIC, STEADY_R2, formatRate, reclaimByName, signed, trend } from '../../../server/src/analysis/slabGrowth';

export type FetchLike = (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<{
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

export type PrometheusErrorKind = 'config' | 'unreachable' | 'auth' | 'http' | 'not-prometheus' | 'query' | 'no-data';

/** An error whose message says what happened and what to do about it. */
export class PrometheusError extends Error {
  constructor(
    message: string,
    readonly kind: PrometheusErrorKind,
  ) {
    super(message);
    this.name = 'PrometheusError';
  }
}

/** The meminfo fields of the fleet view: node_memory_<field>_bytes. */
export const FLEET_MEMINFO_FIELDS = ['SUnreclaim', 'SReclaimable', 'Slab', 'VmallocUsed'] as const;

export interface FleetQuery {
  /** Prometheus base URL, e.g. http://127.0.0.1:9090 (a path prefix behind a proxy is kept). */
  url: string;
  /** Label matchers added to every query, e.g. `job="node"` (kleak.prometheus.selector). */
  selector?: string;
  /** Epoch seconds. */
  start: number;
  end: number;
  /** Seconds between points; default from the range (about 300 points). */
  step?: number;
  /** Instances (fastest SUnreclaim growth first) whose caches are fetched from node_slabinfo_*. */
  cacheInstances?: number;
  /** Caches kept per instance (largest growth first). */
  topCaches?: number;
  /** Per HTTP request. */
  timeoutMs?: number;
  /** Cap on one response body. */
  maxResponseChars?: number;
}

/** A step that gives about 300 points over the range (Prometheus refuses more than 11,000). */
export function stepFor(rangeSeconds: number): number {
  return Math.max(1, Math.ceil(rangeSeconds / 300));
}

// ---- configuration ---------------------------------------------------------------------------

export interface PrometheusEndpoint {
  /** Base URL without credentials, query or fragment, ending without a slash. */
  base: string;
  /** `Basic …` when the URL carried user:password. */
  authorization?: string;
}

/** Validates kleak.prometheus.url: http(s) only; credentials in the URL become a Basic header. */
export function parseEndpoint(url: string): PrometheusEndpoint {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw new PrometheusError(`kleak.prometheus.url "${url}" is not a URL: set it to your Prometheus server, e.g. http://127.0.0.1:9090.`, 'config');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new PrometheusError(`kleak.prometheus.url must be an http:// or https:// URL (got ${u.protocol}).`, 'config');
  }
  let authorization: string | undefined;
  if (u.username || u.password) {
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    authorization = `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  u.search = '';
  u.hash = '';
  let base = u.toString();
  while (base.endsWith('/')) base = base.slice(0, -1);
  return { base, authorization };
}

const LABEL_NAME_START = /[A-Za-z_]/;
const LABEL_NAME_CHAR = /\w/;

/**
 * Validates label matchers (`job="node", instance=~"db.*"`) and returns them normalised, without
 * braces. Read with a small scanner, not a regular expression, so any input is linear.
 */
export function parseSelector(selector: string | undefined): string {
  const s = (selector ?? '').trim().replace(/^\{/, '').replace(/\}$/, '').trim();
  if (s === '') return '';
  const bad = (why: string) =>
    new PrometheusError(`kleak.prometheus.selector "${selector}" is not a list of label matchers (${why}); write e.g. job="node", instance=~"db-.*".`, 'config');
  const out: string[] = [];
  let i = 0;
  const skip = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  while (i < s.length) {
    skip();
    const nameStart = i;
    if (!LABEL_NAME_START.test(s[i] ?? '')) throw bad(`a label name is expected at column ${i + 1}`);
    while (i < s.length && LABEL_NAME_CHAR.test(s[i])) i++;
    const name = s.slice(nameStart, i);
    skip();
    const op = ['=~', '!~', '!=', '='].find((o) => s.startsWith(o, i));
    if (!op) throw bad(`=, !=, =~ or !~ is expected after ${name}`);
    i += op.length;
    skip();
    if (s[i] !== '"') throw bad(`a "quoted" value is expected after ${name}${op}`);
    const valueStart = i;
    i++;
    while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
    if (i >= s.length) throw bad('a value is not closed with "');
    i++;
    out.push(`${name}${op}${s.slice(valueStart, i)}`);
    skip();
    if (i < s.length) {
      if (s[i] !== ',') throw bad(`, is expected at column ${i + 1}`);
      i++;
    }
  }
  return out.join(', ');
}

/** A PromQL double-quoted string literal. */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function withMatchers(metric: string, matchers: string[]): string {
  const m = matchers.filter((x) => x !== '');
  return m.length ? `${metric}{${m.join(', ')}}` : metric;
}

// ---- responses -------------------------------------------------------------------------------

export interface MatrixSeries {
  metric: Record<string, string>;
  /** [epoch seconds, value] with non-finite values (NaN, ±Inf) left out. */
  values: [number, number][];
}

export interface MatrixResult {
  series: MatrixSeries[];
  warnings: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a query_range response body (already JSON-parsed). Throws a PrometheusError for
 * `status: "error"` and for anything that is not a Prometheus matrix.
 */
export function parseMatrix(body: unknown, query = ''): MatrixResult {
  if (!isRecord(body) || (body.status !== 'success' && body.status !== 'error')) {
    throw new PrometheusError('The answer is not a Prometheus API response (no "status").', 'not-prometheus');
  }
  if (body.status === 'error') {
    const type = typeof body.errorType === 'string' ? body.errorType : 'error';
    const error = typeof body.error === 'string' ? body.error : 'unknown error';
    throw new PrometheusError(`Prometheus rejected the query${query ? ` ${query}` : ''} (${type}): ${error}`, 'query');
  }
  const data = body.data;
  if (!isRecord(data) || data.resultType !== 'matrix' || !Array.isArray(data.result)) {
    throw new PrometheusError('The answer is not a Prometheus range-query result (no matrix).', 'not-prometheus');
  }
  const series: MatrixSeries[] = [];
  for (const r of data.result) {
    if (!isRecord(r) || !isRecord(r.metric) || !Array.isArray(r.values)) continue;
    const metric: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.metric)) if (typeof v === 'string') metric[k] = v;
    const values: [number, number][] = [];
    for (const p of r.values) {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number' || typeof p[1] !== 'string') continue;
      const v = Number(p[1]);
      if (Number.isFinite(p[0]) && Number.isFinite(v)) values.push([p[0], v]);
    }
    series.push({ metric, values });
  }
  const warnings = Array.isArray(body.warnings) ? body.warnings.filter((w): w is string => typeof w === 'string') : [];
  return { series, warnings };
}

/** The query_range grid: start, start + step, … ≤ end. */
export function grid(start: number, end: number, step: number): number[] {
  const n = Math.floor((end - start) / step + 1e-9) + 1;
  return Array.from({ length: Math.max(0, n) }, (_, i) => start + i * step);
}

/** Values of a series on the grid (null where the series has no point). */
export function alignToGrid(values: [number, number][], start: number, step: number, length: number): (number | null)[] {
  const out: (number | null)[] = new Array(length).fill(null);
  for (const [t, v] of values) {
    const i = Math.round((t - start) / step);
    if (i >= 0 && i < length) out[i] = v;
  }
  return out;
}

// ---- analysis --------------------------------------------------------------------------------

function used(times: number[], ys: (number | null)[]): { xs: number[]; ys: number[] } {
  const xs: number[] = [];
  const vs: number[] = [];
  ys.forEach((y, i) => {
    if (y !== null) {
      xs.push(times[i]);
      vs.push(y);
    }
  });
  return { xs, ys: vs };
}

/** Growth rate of a series on the grid: slope (per second), R², last − first. */
export function growthOf(times: number[], ys: (number | null)[]): { rate: number; r2: number; growth: number; points: number } {
  const p = used(times, ys);
  const f = fit(p.xs, p.ys);
  const n = p.ys.length;
  return { rate: f.slope, r2: f.r2, growth: n ? p.ys[n - 1] - p.ys[0] : 0, points: n };
}

/** The verdict of a cache from its memory over time, as the series analysis judges it. */
export function judgeCache(name: string, times: number[], bytes: (number | null)[], objectSize: number): { verdict: SlabVerdict; reason: string; reclaimable: boolean; rate: number; r2: number; growth: number } {
  const p = used(times, bytes);
  const t = trend(p.xs, p.ys);
  const reclaim = reclaimByName(name);
  const base = { reclaimable: reclaim.reclaimable, rate: t.slope, r2: t.r2, growth: t.growth };
  const shape = `${formatRate(t.slope, 'seconds')}, R² ${t.r2.toFixed(2)}, ${Math.round(t.monotonic * 100)}% of changes upward`;
  if (t.points < 2) return { ...base, verdict: 'stable', reason: 'Fewer than two samples: no growth to measure.' };
  if (t.growth <= 0) return { ...base, verdict: 'stable', reason: t.growth === 0 ? 'No growth over the range.' : `Shrank by ${signed(t.growth).slice(1)} (${shape}).` };
  const steady = t.r2 >= STEADY_R2 && t.monotonic >= STEADY_MONOTONIC;
  const minBytes = Math.max(MIN_GROWTH_BYTES, 2 * objectSize);
  const significant = t.growth >= minBytes && (t.first === 0 || t.growth >= 0.05 * t.first || (steady && t.points >= 4));
  if (!significant) return { ...base, verdict: 'stable', reason: `Grew only ${signed(t.growth)}: below what counts as growth.` };
  if (reclaim.reclaimable) return { ...base, verdict: 'cache', reason: `Grew ${signed(t.growth)} (${shape}), but it is reclaimable — ${reclaim.reason}.` };
  if (!steady) return { ...base, verdict: 'stable', reason: `Net ${signed(t.growth)}, but irregular (${shape}): not a steady trend.` };
  return { ...base, verdict: 'likely-leak', reason: `Steady unreclaimable growth: ${signed(t.growth)} (${shape}); ${reclaim.reason}.` };
}

/** Instance key: job and instance labels. */
const keyOf = (m: Record<string, string>) => `${m.job ?? ''}\u0000${m.instance ?? ''}`;

/** Builds the fleet from the matrices of the meminfo metrics (and the slabinfo ones per instance). */
export function buildFleet(
  o: { url: string; selector: string; times: number[]; step: number },
  meminfo: Partial<Record<(typeof FLEET_MEMINFO_FIELDS)[number], MatrixSeries[]>>,
  slabinfo: Map<string, { objects: MatrixSeries[]; active: MatrixSeries[]; size: MatrixSeries[] }>,
  topCaches = 40,
): FleetInstanceDto[] {
  const start = o.times[0] ?? 0;
  const n = o.times.length;
  const byKey = new Map<string, FleetInstanceDto>();
  for (const field of FLEET_MEMINFO_FIELDS) {
    for (const s of meminfo[field] ?? []) {
      const key = keyOf(s.metric);
      let inst = byKey.get(key);
      if (!inst) {
        inst = { instance: s.metric.instance ?? '', job: s.metric.job ?? '', meminfo: {}, rateBytesPerSecond: 0, r2: 0, growthBytes: 0, caches: [] };
        byKey.set(key, inst);
      }
      inst.meminfo[field] = alignToGrid(s.values, start, o.step, n);
    }
  }
  const instances = [...byKey.values()].filter((i) => i.meminfo.SUnreclaim);
  for (const inst of instances) {
    const g = growthOf(o.times, inst.meminfo.SUnreclaim);
    inst.rateBytesPerSecond = g.rate;
    inst.r2 = g.r2;
    inst.growthBytes = g.growth;
    const slabs = slabinfo.get(keyOf({ job: inst.job, instance: inst.instance }));
    if (slabs) inst.caches = cachesOf(o.times, o.step, slabs, topCaches);
  }
  instances.sort((a, b) => b.rateBytesPerSecond - a.rateBytesPerSecond || a.instance.localeCompare(b.instance));
  return instances;
}

function cachesOf(times: number[], step: number, s: { objects: MatrixSeries[]; active: MatrixSeries[]; size: MatrixSeries[] }, top: number): SlabCacheSeriesDto[] {
  const n = times.length;
  const start = times[0] ?? 0;
  const bySlab = (list: MatrixSeries[]) => new Map(list.filter((x) => x.metric.slab !== undefined).map((x) => [x.metric.slab, alignToGrid(x.values, start, step, n)]));
  const objects = bySlab(s.objects);
  const active = bySlab(s.active);
  const size = bySlab(s.size);
  const out: SlabCacheSeriesDto[] = [];
  for (const [name, total] of objects) {
    const sizes = size.get(name) ?? [];
    const lastSize = [...sizes].reverse().find((v): v is number => v !== null) ?? 0;
    if (lastSize <= 0) continue;
    const bytes = total.map((v, i) => (v === null ? null : v * (sizes[i] ?? lastSize)));
    const j = judgeCache(name, times, bytes, lastSize);
    out.push({
      name,
      bytes,
      activeObjects: active.get(name) ?? new Array(n).fill(null),
      totalObjects: total,
      objectSize: lastSize,
      reclaimable: j.reclaimable,
      verdict: j.verdict,
      reason: j.reason,
      rateBytesPerSecond: j.rate,
      r2: j.r2,
      growthBytes: j.growth,
      line: -1,
    });
  }
  out.sort((a, b) => b.growthBytes - a.growthBytes || a.name.localeCompare(b.name));
  return out.slice(0, top);
}

// ---- HTTP ------------------------------------------------------------------------------------

/** What went wrong reaching the server, without the stack. */
function causeOf(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'timed out';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}

export class PrometheusClient {
  private readonly endpoint: PrometheusEndpoint;

  constructor(
    url: string,
    private readonly fetchImpl: FetchLike = globalThis.fetch as unknown as FetchLike,
    private readonly timeoutMs = 30_000,
    private readonly maxResponseChars = 256 * 1024 * 1024,
  ) {
    this.endpoint = parseEndpoint(url);
  }

  get base(): string {
    return this.endpoint.base;
  }

  async queryRange(query: string, start: number, end: number, step: number): Promise<MatrixResult> {
    const params = new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) });
    const url = `${this.endpoint.base}/api/v1/query_range?${params}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.endpoint.authorization) headers.authorization = this.endpoint.authorization;
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await this.fetchImpl(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw new PrometheusError(
        `Cannot reach Prometheus at ${this.base} (${causeOf(e)}). Check kleak.prometheus.url and that the server runs: ${this.base}/-/ready should answer.`,
        'unreachable',
      );
    }
    if (res.status === 401 || res.status === 403) {
      throw new PrometheusError(
        `Prometheus at ${this.base} refused the query (HTTP ${res.status} ${res.statusText}): it needs credentials. Put them in kleak.prometheus.url (https://user:password@host/) or query through an authenticating proxy on this machine.`,
        'auth',
      );
    }
    let text: string;
    try {
      const length = Number(res.headers.get('content-length') ?? 0);
      if (length > this.maxResponseChars) throw new Error(`${length} bytes`);
      text = await res.text();
      if (text.length > this.maxResponseChars) throw new Error(`${text.length} characters`);
    } catch (e) {
      throw new PrometheusError(`The answer of ${this.base} is too large or broken (${causeOf(e)}): narrow the range or kleak.prometheus.selector.`, 'http');
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new PrometheusError(
        `${this.base} did not answer like a Prometheus HTTP API (HTTP ${res.status}, ${res.headers.get('content-type') ?? 'no content type'}). kleak.prometheus.url must be the Prometheus server itself (e.g. http://127.0.0.1:9090), not node_exporter or Grafana.`,
        res.status >= 200 && res.status < 300 ? 'not-prometheus' : 'http',
      );
    }
    try {
      return parseMatrix(body, query);
    } catch (e) {
      if (e instanceof PrometheusError && e.kind === 'not-prometheus') {
        throw new PrometheusError(`${this.base} (HTTP ${res.status}): ${e.message} kleak.prometheus.url must be the Prometheus server itself, e.g. http://127.0.0.1:9090.`, e.kind);
      }
      throw e;
    }
  }
}

/** Queries the fleet: every instance's slab meminfo, and the caches of the fastest-growing ones. */
export async function queryFleet(q: FleetQuery, fetchImpl?: FetchLike): Promise<FleetDto> {
  const client = new PrometheusClient(q.url, fetchImpl, q.timeoutMs, q.maxResponseChars);
  const selector = parseSelector(q.selector);
  if (!(q.end > q.start)) throw new PrometheusError('The time range is empty.', 'config');
  const step = q.step ?? stepFor(q.end - q.start);
  const start = Math.floor(q.start);
  const times = grid(start, q.end, step);
  if (times.length > 11_000) throw new PrometheusError(`${times.length} points per series is more than Prometheus answers (11,000): use a larger step.`, 'config');
  const end = times[times.length - 1];
  const warnings: string[] = [];

  const meminfo: Partial<Record<(typeof FLEET_MEMINFO_FIELDS)[number], MatrixSeries[]>> = {};
  const results = await Promise.all(FLEET_MEMINFO_FIELDS.map((f) => client.queryRange(withMatchers(`node_memory_${f}_bytes`, [selector]), start, end, step)));
  FLEET_MEMINFO_FIELDS.forEach((f, i) => {
    meminfo[f] = results[i].series;
    warnings.push(...results[i].warnings.map((w) => `Prometheus: ${w}`));
  });
  if (!meminfo.SUnreclaim?.length) {
    throw new PrometheusError(
      `No node_memory_SUnreclaim_bytes series${selector ? ` matching {${selector}}` : ''} at ${client.base} over the range: is node_exporter (meminfo collector) scraped by this Prometheus${selector ? ', and does kleak.prometheus.selector match its labels' : ''}?`,
      'no-data',
    );
  }

  // caches of the instances whose SUnreclaim grows fastest
  const ranked = buildFleet({ url: client.base, selector, times, step }, meminfo, new Map(), 0);
  const chosen = ranked.slice(0, q.cacheInstances ?? 10);
  const slabinfo = new Map<string, { objects: MatrixSeries[]; active: MatrixSeries[]; size: MatrixSeries[] }>();
  await Promise.all(
    chosen.map(async (inst) => {
      const m = [selector, `instance=${promString(inst.instance)}`, `job=${promString(inst.job)}`];
      const [objects, active, size] = await Promise.all(
        ['node_slabinfo_objects', 'node_slabinfo_active_objects', 'node_slabinfo_object_size_bytes'].map((metric) => client.queryRange(withMatchers(metric, m), start, end, step)),
      );
      if (objects.series.length) slabinfo.set(keyOf({ job: inst.job, instance: inst.instance }), { objects: objects.series, active: active.series, size: size.series });
    }),
  );
  if (slabinfo.size === 0) {
    warnings.push(
      'No node_slabinfo_* series: node_exporter\'s slabinfo collector is off (it is by default). Start node_exporter with --collector.slabinfo, as root (it reads /proc/slabinfo), to see per-cache growth.',
    );
  } else if (slabinfo.size < chosen.length) {
    warnings.push(`${chosen.length - slabinfo.size} of the ${chosen.length} fastest-growing instances export no node_slabinfo_* series (--collector.slabinfo is off there).`);
  }
  if (ranked.length > chosen.length) warnings.push(`Caches are fetched for the ${chosen.length} instances whose SUnreclaim grows fastest, of ${ranked.length}.`);
  const instances = buildFleet({ url: client.base, selector, times, step }, meminfo, slabinfo, q.topCaches ?? 40);
  return { url: client.base, selector, times, step, instances, slabinfo: slabinfo.size > 0, warnings };
}
