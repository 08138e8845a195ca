// chart.js line charts of the slab panel: theme colours from VS Code's CSS variables, no
// animation, LTTB decimation for long series, and a small zoom/pan (wheel, drag, double-click to
// reset; also from the toolbar) kept in step across the panel's charts. No plugin that needs
// inline styles or eval: everything here works under the panel's strict CSP.
import {
  Chart,
  Decimation,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartDataset,
  type TooltipItem,
} from 'chart.js';
import type { SlabVerdict } from '../../server/src/protocol';
import { LineSeries, Point, formatBytes } from './model';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip, Filler, Decimation);

export interface Theme {
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  font: string;
  palette: string[];
  verdict: Record<SlabVerdict, string>;
}

/** Colours of the current VS Code theme (the body carries its CSS variables). */
export function readTheme(): Theme {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const foreground = v('--vscode-editor-foreground', v('--vscode-foreground', '#cccccc'));
  const palette = [
    v('--vscode-charts-red', '#f14c4c'),
    v('--vscode-charts-blue', '#3794ff'),
    v('--vscode-charts-yellow', '#cca700'),
    v('--vscode-charts-green', '#89d185'),
    v('--vscode-charts-purple', '#b180d7'),
    v('--vscode-charts-orange', '#d18616'),
    v('--vscode-terminal-ansiCyan', '#11a8cd'),
    v('--vscode-terminal-ansiMagenta', '#bc3fbc'),
  ];
  return {
    foreground,
    muted: v('--vscode-descriptionForeground', foreground),
    grid: v('--vscode-charts-lines', 'rgba(128,128,128,0.35)'),
    background: v('--vscode-editor-background', '#1e1e1e'),
    font: v('--vscode-font-family', 'sans-serif'),
    palette,
    verdict: { 'likely-leak': palette[0], cache: palette[2], stable: v('--vscode-charts-foreground', foreground) },
  };
}

/** `rgb(…)`/`#rrggbb` with an alpha, for the stacked areas' fill. */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color.trim());
  if (hex) {
    const n = parseInt(hex[1], 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  const short = /^#([0-9a-f]{3})$/i.exec(color.trim());
  if (short) {
    const [r, g, b] = short[1].split('').map((c) => parseInt(c + c, 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = /^rgba?\(([^)]{1,64})\)$/.exec(color.trim());
  if (rgb) {
    const [r, g, b] = rgb[1].split(',').map((p) => p.trim());
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return color;
}

export interface ChartOptions {
  stacked: boolean;
  /** Tooltip title of a point at x (seconds since the first snapshot, or the snapshot index). */
  title: (x: number) => string;
  /** Label of an x tick. */
  tick: (x: number) => string;
  ariaLabel: string;
}

type LineChartJs = Chart<'line', Point[], unknown>;

export class LineChart {
  readonly chart: LineChartJs;
  private lines: LineSeries[] = [];
  private theme: Theme;
  /** Visibility toggled from the legend, kept across updates by line key. */
  private hidden = new Set<string>();

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly o: ChartOptions,
  ) {
    this.theme = readTheme();
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', o.ariaLabel);
    this.chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        spanGaps: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        elements: { point: { radius: 0, hitRadius: 6, hoverRadius: 3 }, line: { tension: 0 } },
        scales: {
          x: {
            type: 'linear',
            bounds: 'data',
            ticks: { callback: (v) => this.o.tick(Number(v)), maxRotation: 0, includeBounds: false },
            // a tick at the data's end right after a round one would print over it: drop it
            afterBuildTicks: (axis) => {
              const t = axis.ticks;
              if (t.length >= 3 && t[t.length - 1].value - t[t.length - 2].value < 0.5 * (t[1].value - t[0].value)) t.pop();
            },
          },
          y: { type: 'linear', stacked: o.stacked, beginAtZero: o.stacked, ticks: { callback: (v) => formatBytes(Number(v)) } },
        },
        plugins: {
          decimation: { enabled: true, algorithm: 'lttb', samples: 400, threshold: 800 },
          legend: {
            position: 'bottom',
            labels: { boxWidth: 12, boxHeight: 2 },
            onClick: (_e, item, legend) => {
              const i = item.datasetIndex ?? -1;
              const line = this.lines[i];
              if (!line) return;
              const visible = legend.chart.isDatasetVisible(i);
              legend.chart.setDatasetVisibility(i, !visible);
              if (visible) this.hidden.add(line.key);
              else this.hidden.delete(line.key);
              legend.chart.update('none');
            },
          },
          tooltip: {
            callbacks: {
              title: (items: TooltipItem<'line'>[]) => (items.length ? this.o.title((items[0].raw as Point).x) : ''),
              label: (item: TooltipItem<'line'>) => `${item.dataset.label ?? ''}: ${formatBytes((item.raw as Point).y)}`,
              footer: (items: TooltipItem<'line'>[]) =>
                this.o.stacked && items.length > 1 ? `Total: ${formatBytes(items.reduce((s, i) => s + (i.raw as Point).y, 0))}` : '',
            },
          },
        },
      },
    });
    this.applyTheme();
  }

  /** Replaces the lines (keeps the zoom and what the legend hid). */
  set(lines: LineSeries[]): void {
    this.lines = lines;
    const colors = this.colors();
    this.chart.data.datasets = lines.map((l, i) => this.dataset(l, i, colors));
    lines.forEach((l, i) => this.chart.setDatasetVisibility(i, !this.hidden.has(l.key)));
    this.chart.update('none');
  }

  /**
   * Colours: likely leaks in warm colours, growing caches in cool ones, the rest after them, so
   * that the chart reads like the table; stacked areas and lines without a verdict in order.
   */
  private colors(): string[] {
    const p = this.theme.palette;
    const warm = [p[0], p[5], p[7], p[2]];
    const cool = [p[1], p[3], p[6], p[4]];
    const n = { warm: 0, cool: 0, other: 0 };
    return this.lines.map((l, i) => {
      if (this.o.stacked || !l.verdict) return p[(this.o.stacked ? i + 1 : i) % p.length];
      if (l.verdict === 'likely-leak') return warm[n.warm++ % warm.length];
      if (l.verdict === 'cache') return cool[n.cool++ % cool.length];
      return p[(4 + n.other++) % p.length];
    });
  }

  private dataset(l: LineSeries, i: number, colors: string[]): ChartDataset<'line', Point[]> {
    const color = colors[i];
    return {
      label: l.verdict && l.verdict !== 'stable' ? `${l.label} (${l.verdict})` : l.label,
      data: l.points,
      borderColor: color,
      backgroundColor: this.o.stacked ? withAlpha(color, 0.35) : color,
      borderWidth: l.selected ? 3 : 1.5,
      borderDash: l.verdict === 'cache' ? [6, 3] : [],
      fill: this.o.stacked ? (i === 0 ? 'origin' : '-1') : false,
      indexAxis: 'x',
    };
  }

  /** Re-reads the theme (VS Code changed it) and repaints. */
  applyTheme(): void {
    this.theme = readTheme();
    const t = this.theme;
    const o = this.chart.options;
    Chart.defaults.font.family = t.font;
    Chart.defaults.color = t.foreground;
    for (const axis of ['x', 'y'] as const) {
      const s = o.scales?.[axis];
      if (!s) continue;
      s.grid = { ...s.grid, color: t.grid };
      s.ticks = { ...s.ticks, color: t.muted };
      s.border = { ...s.border, color: t.grid };
    }
    if (o.plugins?.legend?.labels) o.plugins.legend.labels.color = t.foreground;
    const colors = this.colors();
    this.chart.data.datasets = this.lines.map((l, i) => this.dataset(l, i, colors));
    this.lines.forEach((l, i) => this.chart.setDatasetVisibility(i, !this.hidden.has(l.key)));
    this.chart.update('none');
  }

  /** x extent of the data. */
  extent(): [number, number] | undefined {
    let min = Infinity;
    let max = -Infinity;
    for (const l of this.lines) {
      if (!l.points.length) continue;
      min = Math.min(min, l.points[0].x);
      max = Math.max(max, l.points[l.points.length - 1].x);
    }
    return Number.isFinite(min) && max > min ? [min, max] : undefined;
  }

  setRange(range: [number, number] | undefined): void {
    const x = this.chart.options.scales?.x;
    if (!x) return;
    x.min = range?.[0];
    x.max = range?.[1];
    this.chart.update('none');
  }

  /** Pixels painted (non-transparent) — what a test checks to know the chart drew. */
  paintedPixels(): number {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return 0;
    const d = ctx.getImageData(0, 0, this.canvas.width, this.canvas.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
    return n;
  }

  destroy(): void {
    this.chart.destroy();
  }
}

/**
 * Zoom and pan of the x axis, shared by several charts: the mouse wheel zooms around the pointer,
 * dragging pans, a double click resets. Ranges are clamped to the data.
 */
export class XZoom {
  private range: [number, number] | undefined;
  private drag: { x: number; range: [number, number]; width: number } | undefined;

  constructor(private readonly charts: () => LineChart[]) {}

  attach(c: LineChart): void {
    const canvas = c.canvas;
    canvas.addEventListener(
      'wheel',
      (e) => {
        const area = c.chart.chartArea;
        if (!area || e.offsetX < area.left || e.offsetX > area.right) return;
        e.preventDefault();
        const center = c.chart.scales.x.getValueForPixel(e.offsetX);
        this.zoom(e.deltaY > 0 ? 1.25 : 0.8, center);
      },
      { passive: false },
    );
    canvas.addEventListener('pointerdown', (e) => {
      const area = c.chart.chartArea;
      if (!area || e.offsetX < area.left || e.offsetX > area.right || e.offsetY < area.top || e.offsetY > area.bottom) return;
      const r = this.current();
      if (!r) return;
      this.drag = { x: e.offsetX, range: r, width: Math.max(1, area.right - area.left) };
      canvas.setPointerCapture(e.pointerId);
      canvas.classList.add('panning');
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.drag) return;
      const span = this.drag.range[1] - this.drag.range[0];
      const dx = ((this.drag.x - e.offsetX) / this.drag.width) * span;
      if (Math.abs(e.offsetX - this.drag.x) < 3) return;
      this.apply([this.drag.range[0] + dx, this.drag.range[1] + dx]);
    });
    const end = (e: PointerEvent) => {
      if (!this.drag) return;
      this.drag = undefined;
      if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
      canvas.classList.remove('panning');
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('dblclick', () => this.reset());
  }

  /** Extent of all charts' data. */
  private extent(): [number, number] | undefined {
    let r: [number, number] | undefined;
    for (const c of this.charts()) {
      const e = c.extent();
      if (e) r = r ? [Math.min(r[0], e[0]), Math.max(r[1], e[1])] : e;
    }
    return r;
  }

  private current(): [number, number] | undefined {
    return this.range ?? this.extent();
  }

  /** factor < 1 zooms in. */
  zoom(factor: number, center?: number): void {
    const r = this.current();
    if (!r) return;
    const c = center ?? (r[0] + r[1]) / 2;
    this.apply([c - (c - r[0]) * factor, c + (r[1] - c) * factor]);
  }

  private apply(r: [number, number]): void {
    const e = this.extent();
    if (!e) return;
    const full = e[1] - e[0];
    let span = Math.min(full, Math.max(r[1] - r[0], full / 1000));
    if (!(span > 0)) span = full;
    let lo = Math.max(e[0], Math.min(r[0], e[1] - span));
    if (!Number.isFinite(lo)) lo = e[0];
    const next: [number, number] | undefined = span >= full ? undefined : [lo, lo + span];
    this.range = next;
    for (const ch of this.charts()) ch.setRange(next);
  }

  reset(): void {
    this.range = undefined;
    for (const c of this.charts()) c.setRange(undefined);
  }

  get zoomed(): boolean {
    return this.range !== undefined;
  }
}
