// The slab panel's side of server/src/protocol.ts: the guards both ends of the webview boundary
// run on every message. Real series (samples/slab) must pass whole; anything malformed, oversized
// or unknown must be refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FleetDto,
  HostToWebview,
  SlabSeriesDto,
  isFleetDto,
  isHostToWebview,
  isSlabPanelOrigin,
  isSlabPanelState,
  isSlabSeriesDto,
  isWebviewToHost,
} from '../../server/src/protocol';
import { buildFleet, grid } from '../../client/src/slabPanel/prometheus';
import { slabSeriesDto } from '../helpers/slabSeries';

const slabtop = slabSeriesDto('slabtop-series.txt');
const meminfo = slabSeriesDto('meminfo-series.txt');
const origin = { kind: 'series' as const, uri: 'file:///w/slab/slabtop-series.txt' };
const seriesMessage = (series: unknown): unknown => ({ type: 'series', title: 'Slab Growth: slabtop-series.txt', origin, series, live: false });
/** A deep copy with one change. */
function mutate<T>(v: T, change: (c: T) => void): T {
  const c = structuredClone(v);
  change(c);
  return c;
}

describe('protocol: slab series DTO guard', () => {
  it('accepts the real series of both samples, also after a structured clone (what postMessage does)', () => {
    assert.equal(slabtop.times.length, 58);
    assert.ok(slabtop.caches.length > 30);
    assert.equal(meminfo.times.length, 58);
    assert.ok(Object.keys(meminfo.meminfo).length > 30);
    for (const s of [slabtop, meminfo]) {
      assert.equal(isSlabSeriesDto(s), true);
      assert.equal(isSlabSeriesDto(structuredClone(s)), true);
      assert.equal(isSlabSeriesDto(JSON.parse(JSON.stringify(s))), true);
      assert.equal(isHostToWebview(seriesMessage(s)), true);
    }
  });

  it('refuses series whose arrays do not line up with the snapshots, or hold non-JSON numbers', () => {
    const bad: [string, SlabSeriesDto][] = [
      ['a cache with one byte value too few', mutate(slabtop, (s) => s.caches[3].bytes.pop())],
      ['a meminfo field with an extra value', mutate(meminfo, (s) => s.meminfo.SUnreclaim.push(1))],
      ['NaN bytes', mutate(slabtop, (s) => (s.caches[0].bytes[5] = NaN))],
      ['Infinity rate', mutate(slabtop, (s) => (s.caches[0].rateBytesPerSecond = Infinity))],
      ['a number as a string', mutate(slabtop, (s) => ((s.caches[0].bytes as unknown[])[0] = '12'))],
      ['an unknown verdict', mutate(slabtop, (s) => ((s.caches[1] as { verdict: string }).verdict = 'maybe'))],
      ['a fractional line', mutate(slabtop, (s) => (s.caches[1].line = 1.5))],
      ['snapshot lines of another length', mutate(slabtop, (s) => s.snapshotLines.push(0))],
      ['a cache name that is not a string', mutate(slabtop, (s) => ((s.caches[2] as { name: unknown }).name = { toString: 'x' }))],
      ['a missing times array', mutate(slabtop, (s) => delete (s as Partial<SlabSeriesDto>).times)],
      ['an unknown time unit', mutate(slabtop, (s) => ((s as { timeUnit?: string }).timeUnit = 'minutes'))],
      ['a problem without a message', mutate(slabtop, (s) => s.problems.push({ line: 1, severity: 'error' } as never))],
    ];
    for (const [what, s] of bad) {
      assert.equal(isSlabSeriesDto(s), false, what);
      assert.equal(isHostToWebview(seriesMessage(s)), false, what);
    }
    const withBigInt = mutate(slabtop, () => {});
    (withBigInt.caches[0].bytes as unknown[])[0] = 1n;
    assert.equal(isSlabSeriesDto(withBigInt), false, 'BigInt');
  });

  it('keeps capture text as data: hostile cache names pass as strings (the webview renders them as text)', () => {
    const hostile = mutate(slabtop, (s) => {
      s.caches[0].name = '<img src=x onerror=alert(1)>';
      s.caches[1].name = '</script><script>alert(1)</script>';
    });
    assert.equal(isSlabSeriesDto(hostile), true);
    assert.equal(isSlabSeriesDto(mutate(slabtop, (s) => (s.caches[0].name = 'x'.repeat(5000)))), false, 'names are bounded');
  });

  it('a cache of a folder series names a file of the folder, never a path', () => {
    assert.equal(isSlabSeriesDto(mutate(slabtop, (s) => (s.caches[0].file = 'snap-0001.slabinfo'))), true);
    assert.equal(isSlabSeriesDto(mutate(slabtop, (s) => (s.caches[0].file = 'slabinfo-series.txt.gz'))), true);
    for (const file of ['../x', '/etc/passwd', 'a/b', '..', '', 'x'.repeat(300)]) {
      assert.equal(isSlabSeriesDto(mutate(slabtop, (s) => (s.caches[0].file = file))), false, file);
    }
  });
});

describe('protocol: host → webview messages', () => {
  it('accepts status and fleet messages and nothing else', () => {
    assert.equal(isHostToWebview({ type: 'status', title: 't', message: 'Loading…', severity: 'info' }), true);
    assert.equal(isHostToWebview({ type: 'status', title: 't', message: 'x', severity: 'fatal' }), false);
    const times = grid(1_700_000_000, 1_700_000_060, 15);
    const fleet: FleetDto = {
      url: 'http://127.0.0.1:9090',
      selector: '',
      times,
      step: 15,
      instances: buildFleet(
        { url: 'http://127.0.0.1:9090', selector: '', times, step: 15 },
        { SUnreclaim: [{ metric: { instance: 'db1:9100', job: 'node' }, values: times.map((t, i) => [t, 1e8 + i * 1e6] as [number, number]) }] },
        new Map(),
      ),
      slabinfo: false,
      warnings: [],
    };
    assert.equal(isFleetDto(fleet), true);
    assert.equal(isHostToWebview({ type: 'fleet', title: 'Slab Fleet', origin: { kind: 'fleet', url: fleet.url, rangeSeconds: 60 }, fleet }), true);
    assert.equal(isFleetDto(mutate(fleet, (f) => f.instances[0].meminfo.SUnreclaim.pop())), false);
    for (const m of [null, undefined, 42, 'series', [], {}, { type: 'init', title: 'x' }, { type: 'series' }, { type: '__proto__' }, { type: 'status', title: 1, message: '', severity: 'info' }]) {
      assert.equal(isHostToWebview(m), false, JSON.stringify(m) ?? String(m));
    }
  });
});

describe('protocol: webview → host messages', () => {
  it('accepts what the panel sends', () => {
    const png = `data:image/png;base64,${Buffer.from('\x89PNG\r\n\x1a\n').toString('base64')}`;
    for (const m of [
      { type: 'ready' },
      { type: 'refresh' },
      { type: 'reveal', line: 0 },
      { type: 'reveal', line: 2352 },
      { type: 'reveal', line: 13732, file: 'slabinfo-series.txt' },
      { type: 'exportCsv', fileName: 'slabtop-series.txt.slab-growth.csv', csv: 'a,b\r\n1,2\r\n' },
      { type: 'exportPng', fileName: 'slab.slab-growth.png', dataUrl: png },
    ]) {
      assert.equal(isWebviewToHost(m), true, JSON.stringify(m));
    }
  });

  it('refuses unknown, malformed and dangerous messages', () => {
    const bad: unknown[] = [
      null,
      'ready',
      { type: 'ready', extra: 1 },
      { type: 'reveal', line: -1 },
      { type: 'reveal', line: 1.5 },
      { type: 'reveal', line: '3' },
      { type: 'reveal', line: 3, uri: 'file:///etc/passwd' },
      { type: 'reveal', line: 3, file: '../../etc/passwd' },
      { type: 'reveal', line: 3, file: '/etc/passwd' },
      { type: 'reveal', line: 3, file: 'a\\b.txt' },
      { type: 'reveal', line: 3, file: '..' },
      { type: 'reveal', line: 3, file: '' },
      { type: 'reveal', line: 3, file: 7 },
      { type: 'exportCsv', fileName: '../../.bashrc.csv', csv: '' },
      { type: 'exportCsv', fileName: 'a/b.csv', csv: '' },
      { type: 'exportCsv', fileName: 'a\\b.csv', csv: '' },
      { type: 'exportCsv', fileName: '.csv', csv: '' },
      { type: 'exportCsv', fileName: 'x.sh', csv: '' },
      { type: 'exportCsv', fileName: 'x.csv', csv: 'x'.repeat(64 * 1024 * 1024 + 1) },
      { type: 'exportPng', fileName: 'x.png', dataUrl: 'data:text/html;base64,PHNjcmlwdD4=' },
      { type: 'exportPng', fileName: 'x.png', dataUrl: 'data:image/png;base64,<script>' },
      { type: 'exportPng', fileName: 'x.png', dataUrl: 'javascript:alert(1)' },
      { type: 'runCommand', command: 'workbench.action.terminal.new' },
    ];
    for (const m of bad) assert.equal(isWebviewToHost(m), false, JSON.stringify(m)?.slice(0, 80));
  });
});

describe('protocol: panel state (restored after a reload)', () => {
  it('accepts what the webview saves and refuses the rest', () => {
    const state = { origin, selected: ['sock_inode_cache'], filter: 'sock', sort: { key: 'growth', descending: true } };
    assert.equal(isSlabPanelState(state), true);
    assert.equal(isSlabPanelState({ ...state, origin: { kind: 'fleet', url: 'http://127.0.0.1:9090', rangeSeconds: 3600 }, instance: 'db1:9100' }), true);
    assert.equal(isSlabPanelOrigin({ kind: 'series', path: '/var/tmp/slab' }), true);
    assert.equal(isSlabPanelOrigin({ kind: 'series', uri: 'file:///a', path: '/a' }), false, 'uri and path');
    assert.equal(isSlabPanelOrigin({ kind: 'series' }), false, 'neither');
    assert.equal(isSlabPanelOrigin({ kind: 'fleet', url: 'http://x', rangeSeconds: 0 }), false);
    assert.equal(isSlabPanelOrigin({ kind: 'fleet', url: 'http://x', rangeSeconds: 60, command: 'x' }), false);
    assert.equal(isSlabPanelState({ ...state, selected: 'sock_inode_cache' }), false);
    assert.equal(isSlabPanelState({ ...state, sort: { key: 'growth' } }), false);
    assert.equal(isSlabPanelState(undefined), false);
  });
});

// keep the exported union in use so that a change to it is a compile error here
const _kinds: HostToWebview['type'][] = ['series', 'fleet', 'status'];
void _kinds;
