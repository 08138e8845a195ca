// The slab growth panel (webview entry). Two modes:
//   series — one capture (file, folder or live recording): top growing caches over time, the
//            stacked Slab = SReclaimable + SUnreclaim (+ VmallocUsed) chart, and the caches table;
//   fleet  — machines from Prometheus ranked by SUnreclaim growth, their SUnreclaim over time, and
//            the selected machine's detail in the same charts and table as a series.
// Every message from the host is checked with the protocol's guards; anything else is dropped and
// logged. Text from captures goes into Text nodes only. State (selection, filter, sort, source)
// is kept with setState so that the panel comes back the same after a reload.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import {
  FleetDto,
  HostToWebview,
  SlabPanelOrigin,
  SlabPanelState,
  SlabSeriesDto,
  WebviewToHost,
  isHostToWebview,
  isSlabPanelState,
} from '../../server/src/protocol';
import { LineChart, XZoom, readTheme } from './charts';
import { append, byId, el } from './dom';
import {
  CacheRow,
  InstanceRow,
  SortKey,
  cacheLines,
  cacheRows,
  chartedCaches,
  exportName,
  filterRows,
  fleetLines,
  formatBytes,
  formatDuration,
  formatRate,
  formatSigned,
  instanceRows,
  instanceSeries,
  rowLink,
  isSortKey,
  meminfoNote,
  meminfoStack,
  perSnapshot,
  pointTitle,
  seriesCsv,
  sortRows,
  summary,
  tickLabel,
} from './model';
import { DataTable } from './table';

interface VsCodeApi {
  postMessage(m: WebviewToHost): void;
  getState(): unknown;
  setState(s: SlabPanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const saved = vscode.getState();
let state: SlabPanelState | undefined = isSlabPanelState(saved) ? saved : undefined;
let current: Extract<HostToWebview, { type: 'series' | 'fleet' }> | undefined;
/** The series shown in the detail section (the capture, or the selected fleet instance). */
let detail: SlabSeriesDto | undefined;
let fleetSort: { key: keyof InstanceRow; descending: boolean } = { key: 'rate', descending: true };

const post = (m: WebviewToHost) => vscode.postMessage(m);
const sameOrigin = (a: SlabPanelOrigin, b: SlabPanelOrigin) => JSON.stringify(a) === JSON.stringify(b);

function saveState(): void {
  if (state) vscode.setState(state);
}

// ---- layout ----------------------------------------------------------------------------------

const app = byId('app');
const titleEl = el('h1', { id: 'title' }, 'Slab growth');
const liveBadge = el('vscode-badge', { id: 'live', hidden: true, title: 'Recording: the panel follows the file' }, 'recording');
const summaryEl = el('p', { id: 'summary', class: 'muted' });
const statusEl = el('p', { id: 'status', role: 'status' });
const notesEl = el('ul', { id: 'notes', class: 'notes' });
const button = (id: string, label: string, title: string) => el('vscode-button', { id, secondary: true, title }, label);
const toolbar = el(
  'div',
  { class: 'toolbar', role: 'toolbar', 'aria-label': 'Panel actions' },
  button('zoom-in', 'Zoom in', 'Zoom in on time (or the mouse wheel over a chart)'),
  button('zoom-out', 'Zoom out', 'Zoom out'),
  button('zoom-reset', 'Reset zoom', 'Whole time range (or double-click a chart)'),
  button('export-png', 'Export PNG', 'Save the charts as a PNG image'),
  button('export-csv', 'Export CSV', 'Save the series as CSV (one row per snapshot)'),
  button('refresh', 'Refresh', 'Query again'),
);
append(app, el('header', {}, el('div', { class: 'title-row' }, titleEl, liveBadge), summaryEl, toolbar, statusEl, notesEl));

const fleetChartCanvas = el('canvas', { id: 'fleet-chart' }) as HTMLCanvasElement;
const fleetSection = el(
  'section',
  { id: 'fleet', hidden: true, 'aria-labelledby': 'fleet-heading' },
  el('h2', { id: 'fleet-heading' }, 'Instances by SUnreclaim growth'),
  el('div', { class: 'chart-box' }, fleetChartCanvas),
);
const cacheCanvas = el('canvas', { id: 'cache-chart' }) as HTMLCanvasElement;
const memCanvas = el('canvas', { id: 'meminfo-chart' }) as HTMLCanvasElement;
const detailHeading = el('h2', { id: 'detail-heading' }, 'Top growing caches');
const cacheNote = el('p', { class: 'muted note', hidden: true });
const memNote = el('p', { class: 'muted note', hidden: true });
const filterField = el('vscode-textfield', { id: 'filter', placeholder: 'Filter caches: name, leak, cache, stable, reclaimable…', 'aria-label': 'Filter caches' }) as HTMLElement & { value: string };
const countEl = el('span', { id: 'count', class: 'muted' });
const reasonEl = el('p', { id: 'reason', class: 'reason', 'aria-live': 'polite' });
const cacheBlock = el('div', { id: 'cache-block' }, detailHeading, el('div', { class: 'chart-box' }, cacheCanvas));
const memBlock = el(
  'div',
  { id: 'meminfo-block' },
  el('h2', {}, 'Slab = SReclaimable + SUnreclaim', el('span', { class: 'muted' }, ' (+ VmallocUsed)')),
  el('div', { class: 'chart-box small' }, memCanvas),
);
const tableBlock = el('div', { id: 'table-block' }, el('h2', {}, 'Caches'), el('div', { class: 'table-tools' }, filterField, countEl));
const detailSection = el('section', { id: 'detail', hidden: true, 'aria-labelledby': 'detail-heading' }, cacheBlock, cacheNote, memBlock, memNote, tableBlock);
append(app, fleetSection, detailSection);

const zoom = new XZoom(() => [cacheChart, memChart, ...(fleetSection.hidden ? [] : [fleetChart])]);
const title = (x: number) => pointTitle(detail?.times ?? [], detail?.relativeTimes ?? true, x, perSnapshot(detail));
const tick = (x: number) => tickLabel(x, perSnapshot(detail));
const cacheChart = new LineChart(cacheCanvas, { stacked: false, title, tick, ariaLabel: 'Memory of the top growing caches over time' });
const memChart = new LineChart(memCanvas, { stacked: true, title, tick, ariaLabel: 'Slab memory: SReclaimable and SUnreclaim stacked, over time' });
const fleetChart = new LineChart(fleetChartCanvas, {
  stacked: false,
  title: (x) => pointTitle(current?.type === 'fleet' ? current.fleet.times : [], false, x),
  tick: (x) => tickLabel(x, false),
  ariaLabel: 'SUnreclaim of the instances over time',
});
for (const c of [cacheChart, memChart, fleetChart]) zoom.attach(c);

const verdictClass = (v: string) => `verdict verdict-${v}`;
const num = (v: number | null, f: (n: number) => string = String) => (v === null ? '–' : f(v));

const cacheTable = new DataTable<CacheRow>({
  ariaLabel: 'Caches',
  rowKey: (r) => r.name,
  columns: [
    {
      key: 'name',
      label: 'Cache',
      width: '20%',
      text: (r) => r.name,
      link: (r) => rowLink(r).link,
      linkTitle: (r) => rowLink(r).title ?? '',
      title: (r) => (rowLink(r).link ? undefined : rowLink(r).title),
    },
    { key: 'verdict', label: 'Verdict', width: '11%', text: (r) => r.verdict, title: (r) => r.reason, className: (r) => verdictClass(r.verdict) },
    { key: 'growth', label: 'Growth', width: '11%', numeric: true, text: (r) => formatSigned(r.growth) },
    { key: 'rate', label: 'Rate', width: '13%', numeric: true, text: (r) => formatRate(r.rate, perSnapshot(detail)) },
    { key: 'r2', label: 'R²', width: '6%', numeric: true, text: (r) => r.r2.toFixed(2) },
    { key: 'size', label: 'Size', width: '10%', numeric: true, text: (r) => num(r.size, formatBytes) },
    { key: 'active', label: 'Active', width: '8%', numeric: true, text: (r) => num(r.active) },
    { key: 'total', label: 'Objs', width: '8%', numeric: true, text: (r) => num(r.total) },
    { key: 'use', label: 'Use', width: '6%', numeric: true, text: (r) => num(r.use, (u) => `${u}%`) },
    { key: 'objectSize', label: 'Obj size', width: '7%', numeric: true, text: (r) => formatBytes(r.objectSize) },
  ],
  onSort: (key) => {
    if (!state || !isSortKey(key)) return;
    state.sort = { key, descending: state.sort.key === key ? !state.sort.descending : key !== 'name' };
    saveState();
    renderCacheTable();
  },
  onSelect: (r, additive) => {
    if (!state) return;
    const has = state.selected.includes(r.name);
    state.selected = additive ? (has ? state.selected.filter((n) => n !== r.name) : [...state.selected, r.name]) : has && state.selected.length === 1 ? [] : [r.name];
    saveState();
    renderSelection();
  },
  onLink: (r) => post({ type: 'reveal', line: r.line, ...(r.file !== undefined ? { file: r.file } : {}) }),
});
tableBlock.appendChild(el('div', { class: 'table-box' }, el('div', { class: 'table-inner' }, cacheTable.element)));
tableBlock.appendChild(reasonEl);

const instanceTable = new DataTable<InstanceRow>({
  ariaLabel: 'Instances',
  rowKey: (r) => r.instance,
  columns: [
    { key: 'instance', label: 'Instance', width: '24%', text: (r) => r.instance },
    { key: 'job', label: 'Job', width: '12%', text: (r) => r.job },
    { key: 'sunreclaim', label: 'SUnreclaim', width: '11%', numeric: true, text: (r) => num(r.sunreclaim, formatBytes) },
    { key: 'rate', label: 'Rate', width: '12%', numeric: true, text: (r) => formatRate(r.rate) },
    { key: 'r2', label: 'R²', width: '7%', numeric: true, text: (r) => r.r2.toFixed(2) },
    { key: 'growth', label: 'Growth', width: '11%', numeric: true, text: (r) => formatSigned(r.growth) },
    { key: 'slab', label: 'Slab', width: '11%', numeric: true, text: (r) => num(r.slab, formatBytes) },
    { key: 'leaks', label: 'Likely leaks', width: '12%', numeric: true, text: (r) => String(r.leaks) },
  ],
  onSort: (key) => {
    const k = key as keyof InstanceRow;
    fleetSort = { key: k, descending: fleetSort.key === k ? !fleetSort.descending : k !== 'instance' && k !== 'job' };
    renderFleet();
  },
  onSelect: (r) => {
    if (!state) return;
    state.instance = r.instance;
    state.selected = [];
    saveState();
    renderFleet();
  },
});
fleetSection.appendChild(el('div', { class: 'table-box small' }, el('div', { class: 'table-inner' }, instanceTable.element)));

// ---- rendering -------------------------------------------------------------------------------

function setStatus(message: string, severity: 'info' | 'error' | 'none'): void {
  statusEl.textContent = message;
  statusEl.className = severity === 'error' ? 'error' : 'muted';
  statusEl.hidden = severity === 'none' || message === '';
}

function setNotes(notes: string[]): void {
  notesEl.replaceChildren(...notes.slice(0, 20).map((n) => el('li', {}, n)));
  if (notes.length > 20) notesEl.appendChild(el('li', {}, `… and ${notes.length - 20} more`));
  notesEl.hidden = notes.length === 0;
}

/** A selection changed: chart the selected caches, mark their rows, explain their verdicts. */
function chartHeading(): void {
  const charted = detail ? chartedCaches(detail, state?.selected ?? []) : [];
  const of = current?.type === 'fleet' && detail ? ` of ${detail.source}` : '';
  detailHeading.textContent = charted.some((c) => state?.selected.includes(c.name))
    ? `Selected cache${charted.length === 1 ? '' : 's'}${of} (select ${charted.length === 1 ? 'it' : 'them'} again for the top growing)`
    : `Top growing caches${of}`;
}

function renderSelection(): void {
  if (!state || !detail) return;
  cacheChart.set(cacheLines(detail, state.selected));
  chartHeading();
  cacheTable.select(new Set(state.selected));
  renderReasons();
}

function renderReasons(): void {
  const sel = detail?.caches.filter((c) => state?.selected.includes(c.name)) ?? [];
  reasonEl.replaceChildren(...sel.map((c) => el('span', { class: 'reason-item' }, el('strong', {}, c.name), ` — ${c.verdict}: ${c.reason}`)));
}

function renderCacheTable(): void {
  if (!state || !detail) return;
  const all = cacheRows(detail);
  const shown = filterRows(all, state.filter);
  const key: SortKey = isSortKey(state.sort.key) ? state.sort.key : 'rank';
  cacheTable.render(sortRows(shown, key, state.sort.descending), { key, descending: state.sort.descending }, new Set(state.selected));
  countEl.textContent = shown.length === all.length ? `${all.length} caches` : `${shown.length} of ${all.length} caches`;
  renderReasons();
}

function renderDetail(): void {
  if (!state || !detail) return;
  const lines = cacheLines(detail, state.selected);
  cacheChart.set(lines);
  chartHeading();
  const hasCaches = detail.caches.length > 0;
  cacheBlock.hidden = !hasCaches;
  tableBlock.hidden = !hasCaches;
  cacheNote.hidden = hasCaches && lines.length > 0;
  cacheNote.textContent = !hasCaches
    ? current?.type === 'fleet'
      ? 'No per-cache series for this instance: start its node_exporter with --collector.slabinfo (as root) to see which cache grows.'
      : 'No slab caches in this capture (only /proc/meminfo): record /proc/slabinfo or slabtop beside it to see which cache grows.'
    : 'No cache grew over the series: select caches in the table to chart them.';
  const stack = meminfoStack(detail.meminfo, detail.times);
  memChart.set(stack);
  memBlock.hidden = stack.length === 0;
  memNote.hidden = stack.length > 0;
  memNote.textContent = meminfoNote(detail.meminfo);
  if (filterField.value !== state.filter) filterField.value = state.filter;
  renderCacheTable();
}

function showSeries(m: Extract<HostToWebview, { type: 'series' }>): void {
  fleetSection.hidden = true;
  detailSection.hidden = false;
  detail = m.series;
  titleEl.textContent = m.title;
  liveBadge.hidden = !m.live;
  summaryEl.textContent = summary(m.series);
  setNotes(m.series.problems.map((p) => (p.line >= 0 ? `Line ${p.line + 1}: ${p.message}` : p.message)));
  renderDetail();
}

function renderFleet(): void {
  if (!state || current?.type !== 'fleet') return;
  const fleet: FleetDto = current.fleet;
  let index = fleet.instances.findIndex((i) => i.instance === state?.instance);
  if (index < 0) index = 0;
  const inst = fleet.instances[index];
  const rows = instanceRows(fleet);
  const k = fleetSort.key;
  const sorted = [...rows].sort((a, b) => {
    const va = a[k];
    const vb = b[k];
    const c = typeof va === 'string' && typeof vb === 'string' ? va.localeCompare(vb) : Number(va ?? -Infinity) - Number(vb ?? -Infinity);
    return (fleetSort.descending ? -c : c) || a.index - b.index;
  });
  instanceTable.render(sorted, { key: k, descending: fleetSort.descending }, new Set(inst ? [inst.instance] : []));
  fleetChart.set(fleetLines(fleet, inst ? [inst.instance] : []));
  detail = instanceSeries(fleet, index);
  detailSection.hidden = !detail;
  if (inst) renderDetail();
}

function showFleet(m: Extract<HostToWebview, { type: 'fleet' }>): void {
  fleetSection.hidden = false;
  titleEl.textContent = m.title;
  liveBadge.hidden = true;
  const f = m.fleet;
  const n = f.times.length;
  summaryEl.textContent = `${f.instances.length} instance${f.instances.length === 1 ? '' : 's'} · ${n} points over ${formatDuration(n > 1 ? f.times[n - 1] - f.times[0] : 0)} (step ${f.step} s) · ${f.url}${f.selector ? ` {${f.selector}}` : ''}`;
  setNotes(f.warnings);
  renderFleet();
}

function onMessage(m: HostToWebview): void {
  if (m.type === 'status') {
    if (!current) titleEl.textContent = m.title;
    setStatus(m.message, m.severity);
    document.body.dataset.state = current ? current.type : m.severity === 'error' ? 'error' : 'loading';
    return;
  }
  if (!state || !sameOrigin(state.origin, m.origin)) {
    state = { origin: m.origin, selected: [], filter: state?.filter ?? '', sort: state?.sort ?? { key: 'rank', descending: false } };
  }
  saveState();
  current = m;
  setStatus('', 'none');
  if (m.type === 'series') showSeries(m);
  else showFleet(m);
  document.body.dataset.state = m.type;
}

// ---- events ----------------------------------------------------------------------------------

let filterTimer: ReturnType<typeof setTimeout> | undefined;
filterField.addEventListener('input', () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => {
    if (!state) return;
    state.filter = filterField.value ?? '';
    saveState();
    renderCacheTable();
  }, 120);
});

byId('zoom-in').addEventListener('click', () => zoom.zoom(0.5));
byId('zoom-out').addEventListener('click', () => zoom.zoom(2));
byId('zoom-reset').addEventListener('click', () => zoom.reset());
byId('refresh').addEventListener('click', () => post({ type: 'refresh' }));
byId('export-csv').addEventListener('click', () => {
  if (!detail) return;
  post({ type: 'exportCsv', fileName: exportName(detail.source, '.csv'), csv: seriesCsv(detail) });
});
byId('export-png').addEventListener('click', () => {
  if (!detail) return;
  const canvases = [...(fleetSection.hidden ? [] : [fleetChartCanvas]), cacheCanvas, memCanvas].filter((c) => c.width > 0 && c.height > 0);
  const out = document.createElement('canvas');
  out.width = Math.max(...canvases.map((c) => c.width));
  out.height = canvases.reduce((h, c) => h + c.height, 0);
  const ctx = out.getContext('2d');
  if (!ctx) return;
  ctx.fillStyle = readTheme().background;
  ctx.fillRect(0, 0, out.width, out.height);
  let y = 0;
  for (const c of canvases) {
    ctx.drawImage(c, 0, y);
    y += c.height;
  }
  post({ type: 'exportPng', fileName: exportName(detail.source, '.png'), dataUrl: out.toDataURL('image/png') });
});

// VS Code switches themes by changing the body's classes and CSS variables.
new MutationObserver(() => {
  for (const c of [cacheChart, memChart, fleetChart]) c.applyTheme();
}).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isHostToWebview(event.data)) {
    const type = typeof event.data === 'object' && event.data !== null ? String((event.data as { type?: unknown }).type).slice(0, 40) : typeof event.data;
    console.warn(`kleak: dropped a malformed message from the extension (type ${type})`);
    return;
  }
  onMessage(event.data);
});

document.body.dataset.state = 'loading';
setStatus('Loading…', 'info');
post({ type: 'ready' });
