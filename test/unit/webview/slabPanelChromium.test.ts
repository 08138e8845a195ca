/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The slab panel's behaviour in a real browser: the built dist/webview.js in headless Chromium
// under the panel's own HTML and CSP (test/helpers/slabPanelPage.ts), fed the real slabtop series
// of samples/slab (58 snapshots, one a second; see samples/README.md) as the host posts it.
// Chart state is read from the chart.js instances; clicks, wheel and drags are real mouse input.
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DARK, LIGHT, SlabPanelPage, closeBrowser, launchBrowser, type ChartState } from '../../helpers/slabPanelPage';
import { SLAB_SAMPLES, seriesDtoOfText, slabSeriesDto } from '../../helpers/slabSeries';
import { buildFleet, grid } from '../../../client/src/slabPanel/prometheus';
import { formatBytes } from '../../../webview/src/model';
import { isWebviewToHost, type FleetDto, type HostToWebview, type SlabSeriesDto } from '../../../server/src/protocol';

const SAMPLE = 'slabtop-series.txt';
const ORIGIN = { kind: 'series', uri: `file:///samples/slab/${SAMPLE}` } as const;
/** The sample's snapshots, each its `=== epoch` line and slabtop's output, in order (58). */
const SNAPSHOTS = fs.readFileSync(path.join(SLAB_SAMPLES, SAMPLE), 'utf8').split(/^(?==== )/m).filter((s) => s.startsWith('=== '));
const T0 = 1_795_312_468; // the sample's first snapshot

/** `n` snapshots one second apart, cycling through the sample's (a longer recording of the same machine). */
function cycled(n: number): SlabSeriesDto {
  const text = Array.from({ length: n }, (_, k) => SNAPSHOTS[k % SNAPSHOTS.length].replace(/^=== \d+/, `=== ${T0 + k}`)).join('');
  return seriesDtoOfText(text, SAMPLE);
}

const seriesMessage = (series: SlabSeriesDto, live = false): HostToWebview => ({ type: 'series', title: `Slab Growth: ${SAMPLE}`, origin: ORIGIN, series, live });
const cacheName = (label: string) => label.replace(/ \((?:likely-leak|cache)\)$/, '');
const span = (s: ChartState) => s.xMax - s.xMin;
const near = (a: number, b: number, what: string, tolerance = 1e-6) => assert.ok(Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b)), `${what}: ${a} is not ${b}`);

let panel: SlabPanelPage;
before(launchBrowser);
after(closeBrowser);
afterEach(async () => {
  assert.deepEqual(await panel.failures(), [], 'no page error, console error or CSP violation');
  await panel.close();
});

describe('slab panel in Chromium: the legend', () => {
  beforeEach(async () => (panel = await SlabPanelPage.open()));

  it('clicking a legend item hides that cache\'s line, and it stays hidden when a new snapshot streams in', { timeout: 10_000 }, async () => {
    // recording: first 57 snapshots, then the 58th arrives
    await panel.post(seriesMessage(seriesDtoOfText(SNAPSHOTS.slice(0, 57).join(''), SAMPLE), true));
    const before = await panel.chartState('cache-chart');
    assert.equal(before.datasets.length, 8, 'the top 8 growing caches');
    assert.ok(before.datasets.every((d) => d.visible));
    const item = before.legend.find((l) => l.text === 'sock_inode_cache (likely-leak)');
    assert.ok(item, `legend: ${before.legend.map((l) => l.text).join(', ')}`);
    const sock = () => before.datasets.findIndex((d) => d.label === 'sock_inode_cache (likely-leak)');
    assert.equal(before.datasets[sock()].points, 56, 'absent from the first snapshot');

    await panel.clickCanvas('cache-chart', item.left + item.width / 2, item.top + item.height / 2);
    const hidden = await panel.chartState('cache-chart');
    assert.deepEqual(hidden.datasets.filter((d) => !d.visible).map((d) => d.label), ['sock_inode_cache (likely-leak)']);
    assert.equal(hidden.legend.find((l) => l.text === item.text)?.hidden, true, 'the legend strikes it through');

    await panel.post(seriesMessage(slabSeriesDto(SAMPLE), true));
    const updated = await panel.chartState('cache-chart');
    const line = updated.datasets.find((d) => d.label === 'sock_inode_cache (likely-leak)');
    assert.equal(line?.points, 57, 'the update landed: one more point');
    assert.equal(line?.visible, false, 'still hidden after the update');
    assert.equal(updated.datasets.filter((d) => d.visible).length, 7, 'the other lines stay shown');

    // and a second click shows it again
    const again = updated.legend.find((l) => l.text === item.text)!;
    await panel.clickCanvas('cache-chart', again.left + again.width / 2, again.top + again.height / 2);
    assert.ok((await panel.chartState('cache-chart')).datasets.every((d) => d.visible));
  });
});

describe('slab panel in Chromium: zoom and pan', () => {
  beforeEach(async () => {
    panel = await SlabPanelPage.open();
    await panel.post(seriesMessage(slabSeriesDto(SAMPLE)));
  });

  it('the mouse wheel zooms around the pointer, a drag pans, and the toolbar zooms and resets', { timeout: 10_000 }, async () => {
    const full = await panel.chartState('cache-chart');
    assert.equal(full.userMin, undefined);
    assert.equal(full.xMin, 0, 'seconds since the first snapshot');
    assert.ok(full.xMax >= 57 && full.xMax <= 62, `the sample spans about a minute (${full.xMax})`);
    const a = full.chartArea;
    const mid = await panel.at('cache-chart', (a.left + a.right) / 2, (a.top + a.bottom) / 2);

    // wheel up over the chart: zoom in by 0.8 around the pointer (the middle)
    await panel.page.mouse.move(mid.x, mid.y);
    await panel.page.mouse.wheel(0, -100);
    const wheeled = await panel.chartState('cache-chart');
    near(span(wheeled), 0.8 * span(full), 'span after one wheel step', 0.01);
    assert.ok(wheeled.xMin > full.xMin && wheeled.xMax < full.xMax, 'both ends move in');

    // drag 200 px to the left: the view moves later in time by 200 px worth of the span
    await panel.page.mouse.down();
    for (let dx = 20; dx <= 200; dx += 20) await panel.page.mouse.move(mid.x - dx, mid.y);
    await panel.page.mouse.up();
    const panned = await panel.chartState('cache-chart');
    near(span(panned), span(wheeled), 'a pan keeps the span', 0.001);
    const shift = (200 / (a.right - a.left)) * span(wheeled);
    near(panned.xMin, Math.min(wheeled.xMin + shift, full.xMax - span(wheeled)), 'pan distance', 0.02);
    assert.ok(panned.xMin > wheeled.xMin);

    await panel.page.click('#zoom-in');
    const zoomedIn = await panel.chartState('cache-chart');
    near(span(zoomedIn), span(panned) / 2, 'Zoom in halves the span', 0.001);

    await panel.page.click('#zoom-reset');
    const reset = await panel.chartState('cache-chart');
    assert.equal(reset.userMin, undefined);
    assert.equal(reset.userMax, undefined);
    assert.deepEqual([reset.xMin, reset.xMax], [full.xMin, full.xMax]);

    // Zoom in then Zoom out: back to the whole range
    await panel.page.click('#zoom-in');
    assert.ok(span(await panel.chartState('cache-chart')) < span(full));
    await panel.page.click('#zoom-out');
    const out = await panel.chartState('cache-chart');
    assert.deepEqual([out.userMin, out.xMin, out.xMax], [undefined, full.xMin, full.xMax]);

    // a double click resets too
    await panel.page.mouse.move(mid.x, mid.y);
    await panel.page.mouse.wheel(0, -100);
    assert.ok(span(await panel.chartState('cache-chart')) < span(full));
    await panel.page.mouse.dblclick(mid.x, mid.y);
    assert.deepEqual((await panel.chartState('cache-chart')).userMin, undefined);
  });
});

describe('slab panel in Chromium: decimation of long series', () => {
  const long = cycled(1000);
  const short = cycled(50);
  beforeEach(async () => (panel = await SlabPanelPage.open()));

  it('draws at most 400 points of a 1,000-snapshot line (LTTB), and every point of a 50-snapshot one', { timeout: 10_000 }, async () => {
    await panel.post(seriesMessage(long));
    const decimated = await panel.chartState('cache-chart');
    assert.ok(decimated.datasets.length > 0);
    for (const d of decimated.datasets) {
      assert.ok(d.points > 800, `${d.label}: ${d.points} points (a cache may miss a few snapshots)`);
      assert.equal(d.decimated, true, `${d.label} is decimated`);
      assert.ok(d.drawn <= 400 && d.drawn < d.points, `${d.label}: ${d.drawn} of ${d.points} points drawn`);
    }

    await panel.post(seriesMessage(short));
    const whole = await panel.chartState('cache-chart');
    assert.ok(whole.datasets.length > 0);
    for (const d of whole.datasets) {
      assert.ok(d.points <= 50 && d.points >= 40, `${d.label}: ${d.points} points`);
      assert.equal(d.decimated, false, `${d.label} is not decimated`);
      assert.equal(d.drawn, d.points, `${d.label}: every point drawn`);
    }
  });
});

describe('slab panel in Chromium: the VS Code theme', () => {
  beforeEach(async () => {
    panel = await SlabPanelPage.open(DARK);
    await panel.post(seriesMessage(slabSeriesDto(SAMPLE)));
  });

  const palette = (t: typeof DARK) =>
    ['red', 'blue', 'yellow', 'green', 'purple', 'orange'].map((c) => t.vars[`--vscode-charts-${c}`]).concat([t.vars['--vscode-terminal-ansiCyan'], t.vars['--vscode-terminal-ansiMagenta']]);

  it('recolours the charts when VS Code switches from a dark to a light theme, and between two dark ones', { timeout: 10_000 }, async () => {
    const dark = await panel.chartState('cache-chart');
    const darkSlots = dark.datasets.map((d) => palette(DARK).indexOf(d.borderColor));
    assert.ok(darkSlots.every((i) => i >= 0), `dark colours: ${dark.datasets.map((d) => d.borderColor).join(' ')}`);
    assert.equal(dark.tickColor, DARK.vars['--vscode-descriptionForeground']);
    assert.equal(dark.legendColor, DARK.vars['--vscode-editor-foreground']);
    // the leak is drawn in the theme's red (likely leaks take the warm colours first)
    assert.equal(dark.datasets.find((d) => d.label === 'signal_cache (likely-leak)')?.borderColor, DARK.vars['--vscode-charts-red']);
    const redPixels = (hex: string) => panel.page.evaluate(countPixels, { id: 'cache-chart', hex });
    assert.ok((await redPixels(DARK.vars['--vscode-charts-red'])) > 20, 'dark red is painted');

    await panel.setTheme(LIGHT);
    const light = await panel.chartState('cache-chart');
    assert.deepEqual(light.datasets.map((d) => palette(LIGHT).indexOf(d.borderColor)), darkSlots, 'each line keeps its place in the new palette');
    assert.equal(light.tickColor, LIGHT.vars['--vscode-descriptionForeground']);
    assert.equal(light.legendColor, LIGHT.vars['--vscode-editor-foreground']);
    assert.equal(await redPixels(DARK.vars['--vscode-charts-red']), 0, 'no dark red left on the canvas');
    assert.ok((await redPixels(LIGHT.vars['--vscode-charts-red'])) > 20, 'light red is painted');

    // another dark theme: the body keeps its class (VS Code re-sets it), only the variables change
    const monokai = { ...DARK, name: 'Monokai', vars: { ...DARK.vars, '--vscode-charts-red': '#f92672' } };
    await panel.setTheme(DARK);
    await panel.setTheme(monokai);
    const mono = await panel.chartState('cache-chart');
    assert.equal(mono.datasets.find((d) => d.label === 'signal_cache (likely-leak)')?.borderColor, '#f92672');
  });
});

/** Pixels of a canvas within a small distance of a colour (anti-aliasing aside). Runs in the page. */
function countPixels({ id, hex }: { id: string; hex: string }): number {
  const c = document.getElementById(id) as HTMLCanvasElement;
  const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
  const n = parseInt(hex.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  let count = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 250 && Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 12) count++;
  return count;
}

describe('slab panel in Chromium: exports', () => {
  beforeEach(async () => {
    panel = await SlabPanelPage.open();
    await panel.post(seriesMessage(slabSeriesDto(SAMPLE)));
  });

  it('Export PNG posts a valid PNG of the shown charts through the typed protocol', { timeout: 10_000 }, async () => {
    const n = (await panel.posted()).length;
    await panel.page.click('#export-png');
    const m = await panel.nextPosted('exportPng', n);
    assert.ok(isWebviewToHost(m), 'the host accepts the message');
    assert.equal(m.fileName, 'slabtop-series.txt.slab-growth.png');
    const png = Buffer.from(m.dataUrl.slice('data:image/png;base64,'.length), 'base64');
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the PNG signature');
    assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
    // the slabtop series has no /proc/meminfo: only the caches chart is shown, so only it is exported
    const shown = await panel.page.evaluate(() => {
      const c = document.getElementById('cache-chart') as HTMLCanvasElement;
      return { width: c.width, height: c.height, memShown: (document.getElementById('meminfo-chart') as HTMLCanvasElement).offsetParent !== null };
    });
    assert.equal(shown.memShown, false);
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [shown.width, shown.height]);
    const painted = await panel.page.evaluate(async (url) => {
      const img = new Image();
      img.src = url;
      await img.decode();
      const c = document.createElement('canvas');
      [c.width, c.height] = [img.width, img.height];
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let lines = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[i + 1]) + Math.abs(d[i + 1] - d[i + 2]) > 60) lines++; // coloured, not the grey background or text
      return lines;
    }, m.dataUrl);
    assert.ok(painted > 1000, `the image shows the coloured lines (${painted} pixels)`);
  });

  it('Export CSV posts one row per snapshot and one column per cache of the table, with its values', { timeout: 10_000 }, async () => {
    const n = (await panel.posted()).length;
    await panel.page.click('#export-csv');
    const m = await panel.nextPosted('exportCsv', n);
    assert.ok(isWebviewToHost(m), 'the host accepts the message');
    assert.equal(m.fileName, 'slabtop-series.txt.slab-growth.csv');
    const [head, ...rows] = m.csv.trimEnd().split('\r\n').map((l) => l.split(','));
    assert.deepEqual(head.slice(0, 2), ['epoch_seconds', 'elapsed_seconds']);
    assert.equal(rows.length, 58);
    assert.deepEqual([rows[0][0], rows[0][1]], [String(T0), '0']);
    const table = await panel.page.evaluate(() =>
      [...document.querySelectorAll('#detail vscode-table-body vscode-table-row:not([hidden])')].map((r) => [...r.querySelectorAll('vscode-table-cell')].map((c) => c.textContent ?? '')),
    );
    assert.equal(table.length, 36, 'the sample has 36 caches');
    assert.deepEqual(head.slice(2).sort(), table.map((r) => r[0]).sort(), 'a column per cache of the table');
    for (const [name, , , , , size] of table) {
      const col = head.indexOf(name);
      const latest = rows.map((r) => r[col]).filter((v) => v !== '').at(-1);
      assert.equal(formatBytes(Number(latest)), size, `${name}: the table's size is the CSV's latest value`);
    }
    const dentry = head.indexOf('dentry');
    assert.equal(Number(rows[57][dentry]) - Number(rows[0][dentry]), 47_505_408, 'dentry grew 45.3 MiB over the minute');
  });
});

describe('slab panel in Chromium: the fleet view', () => {
  // Three machines' SUnreclaim from Prometheus, two with per-cache series (node_exporter's
  // slabinfo collector) made of the real sample's caches: leaky:9100 has its top five, slow:9100
  // the next four.
  const real = slabSeriesDto(SAMPLE);
  const times = grid(T0, T0 + 57, 1);
  const sun = (instance: string, slope: number) => ({ metric: { instance, job: 'node' }, values: times.map((t, i) => [t, 4e7 + slope * i] as [number, number]) });
  const slabs = (instance: string, names: string[]) => {
    const caches = names.map((n) => real.caches.find((c) => c.name === n)!);
    const metric = (c: { name: string }) => ({ slab: c.name, instance, job: 'node' });
    return {
      objects: caches.map((c) => ({ metric: metric(c), values: times.flatMap((t, i) => (c.totalObjects[i] === null ? [] : [[t, c.totalObjects[i]] as [number, number]])) })),
      active: caches.map((c) => ({ metric: metric(c), values: times.flatMap((t, i) => (c.activeObjects[i] === null ? [] : [[t, c.activeObjects[i]] as [number, number]])) })),
      size: caches.map((c) => ({ metric: metric(c), values: times.map((t) => [t, c.objectSize] as [number, number]) })),
    };
  };
  const LEAKY = ['dentry', 'ext4_inode_cache', 'signal_cache', 'sock_inode_cache', 'proc_inode_cache'];
  const SLOW = ['kmalloc-192', 'extent_status', 'filp', 'lsm_inode_cache'];
  const fleet: FleetDto = {
    url: 'http://127.0.0.1:9090',
    selector: '',
    times,
    step: 1,
    instances: buildFleet(
      { url: 'http://127.0.0.1:9090', selector: '', times, step: 1 },
      { SUnreclaim: [sun('quiet:9100', 0), sun('leaky:9100', 100_000), sun('slow:9100', 10)] },
      new Map([
        ['node\u0000leaky:9100', slabs('leaky:9100', LEAKY)],
        ['node\u0000slow:9100', slabs('slow:9100', SLOW)],
      ]),
    ),
    slabinfo: true,
    warnings: [],
  };
  const rows = () =>
    panel.page.evaluate((sel) => [...document.querySelectorAll(sel)].map((r) => ({ key: (r as HTMLElement).dataset.key, selected: r.classList.contains('selected') })), '#fleet vscode-table-body vscode-table-row:not([hidden])');
  const charted = async () => (await panel.chartState('cache-chart')).datasets.map((d) => cacheName(d.label)).sort();
  const heading = () => panel.page.locator('#detail-heading').textContent();

  beforeEach(async () => {
    panel = await SlabPanelPage.open();
    await panel.post({ type: 'fleet', title: 'Slab Fleet: test', origin: { kind: 'fleet', url: fleet.url, rangeSeconds: 3600 }, fleet });
  });

  it('ranks the instances by SUnreclaim growth and charts the caches of the one selected', { timeout: 10_000 }, async () => {
    assert.deepEqual((await rows()).map((r) => r.key), ['leaky:9100', 'slow:9100', 'quiet:9100'], 'fastest growth first');
    assert.deepEqual((await panel.chartState('fleet-chart')).datasets.map((d) => d.label), ['leaky:9100 (node)', 'slow:9100 (node)', 'quiet:9100 (node)']);
    // the fastest-growing instance is shown first
    assert.deepEqual((await rows()).map((r) => r.selected), [true, false, false]);
    assert.deepEqual(await charted(), [...LEAKY].sort());
    assert.equal(await heading(), 'Top growing caches of leaky:9100');

    await panel.page.locator('#fleet vscode-table-row[data-key="slow:9100"]').click();
    assert.deepEqual((await rows()).map((r) => r.selected), [false, true, false]);
    assert.deepEqual(await charted(), [...SLOW].sort());
    assert.equal(await heading(), 'Top growing caches of slow:9100');
    const tableKeys = await panel.page.evaluate(() => [...document.querySelectorAll('#detail vscode-table-body vscode-table-row:not([hidden])')].map((r) => (r as HTMLElement).dataset.key).sort());
    assert.deepEqual(tableKeys, [...SLOW].sort(), 'the caches table lists its caches');

    // an instance without per-cache series says how to get them
    await panel.page.locator('#fleet vscode-table-row[data-key="quiet:9100"]').click();
    assert.equal(await panel.page.locator('#cache-block').isHidden(), true);
    assert.match((await panel.page.locator('#detail p.note').first().textContent()) ?? '', /--collector\.slabinfo/);
  });
});
