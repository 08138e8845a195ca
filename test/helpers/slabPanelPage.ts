/// <reference lib="dom" />
// The slab panel as VS Code shows it, without VS Code: the built dist/webview.js and
// dist/webview.css in headless Chromium, in the exact HTML (and strict Content-Security-Policy)
// the host serves (client/src/slabPanel/html.ts), with what VS Code provides around it: an
// acquireVsCodeApi stub that records what the panel posts, and the theme (body class and
// --vscode-* variables on <html>). Messages are posted as the host posts them. Any page error
// or CSP violation is collected: every test asserts there is none.
//
// The charts are chart.js instances private to the bundle; to read their state (scales, visible
// datasets, decimation) the page records each Chart as chart.js constructs it: its constructor
// assigns `this.$proxies`, which a setter on Object.prototype catches (a test-only trap; if
// chart.js stops doing that, chartState() throws "no chart on …" instead of passing).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Chart } from 'chart.js';
import { makeNonce, panelHtml } from '../../client/src/slabPanel/html';
import type { HostToWebview, WebviewToHost } from '../../server/src/protocol';
import { REPO_ROOT } from './fixtures';

const ORIGIN = 'https://kleak-webview.invalid';

/** VS Code's theme as a webview receives it: the body's class and the --vscode-* variables. */
export interface PanelTheme {
  kind: 'vscode-dark' | 'vscode-light';
  name: string;
  vars: Record<string, string>;
}

export const DARK: PanelTheme = {
  kind: 'vscode-dark',
  name: 'Dark Modern',
  vars: {
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-foreground': '#cccccc',
    '--vscode-editor-foreground': '#cccccc',
    '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-charts-lines': '#505050',
    '--vscode-charts-red': '#f14c4c',
    '--vscode-charts-blue': '#3794ff',
    '--vscode-charts-yellow': '#cca700',
    '--vscode-charts-green': '#89d185',
    '--vscode-charts-purple': '#b180d7',
    '--vscode-charts-orange': '#d18616',
    '--vscode-terminal-ansiCyan': '#11a8cd',
    '--vscode-terminal-ansiMagenta': '#bc3fbc',
    '--vscode-font-family': 'sans-serif',
    '--vscode-font-size': '13px',
  },
};

export const LIGHT: PanelTheme = {
  kind: 'vscode-light',
  name: 'Light Modern',
  vars: {
    '--vscode-editor-background': '#ffffff',
    '--vscode-foreground': '#3b3b3b',
    '--vscode-editor-foreground': '#3b3b3b',
    '--vscode-descriptionForeground': '#717171',
    '--vscode-charts-lines': '#d0d0d0',
    '--vscode-charts-red': '#e51400',
    '--vscode-charts-blue': '#1a85ff',
    '--vscode-charts-yellow': '#bf8803',
    '--vscode-charts-green': '#388a34',
    '--vscode-charts-purple': '#652d90',
    '--vscode-charts-orange': '#d18600',
    '--vscode-terminal-ansiCyan': '#0598bc',
    '--vscode-terminal-ansiMagenta': '#bc05bc',
    '--vscode-font-family': 'sans-serif',
    '--vscode-font-size': '13px',
  },
};

/** What a test reads of one chart. */
export interface ChartState {
  xMin: number;
  xMax: number;
  /** Bounds set by the zoom (undefined: the whole range). */
  userMin: number | undefined;
  userMax: number | undefined;
  datasets: {
    label: string;
    visible: boolean;
    borderColor: string;
    /** Points in the dataset as given. */
    points: number;
    /** Points chart.js draws (after decimation). */
    drawn: number;
    /** chart.js decimated this dataset (`_decimated`). */
    decimated: boolean;
  }[];
  tickColor: string;
  legendColor: string;
  legend: { text: string; hidden: boolean; left: number; top: number; width: number; height: number }[];
  chartArea: { left: number; right: number; top: number; bottom: number };
}

type PanelWindow = Window & {
  __posted: WebviewToHost[];
  __state: unknown;
  __charts: Chart[];
  __problems: string[];
  acquireVsCodeApi(): { postMessage(m: WebviewToHost): void; getState(): unknown; setState(s: unknown): void };
};

async function chromiumPath(): Promise<string> {
  const script = pathToFileURL(path.join(REPO_ROOT, 'scripts', 'provision.mjs')).href;
  const { ensureChromium } = (await import(script)) as { ensureChromium(): string };
  return ensureChromium(); // throws with the install command when Chromium is missing: never a skip
}

let browser: Browser | undefined;

/** One browser for a test file; close it in after(). */
export async function launchBrowser(): Promise<void> {
  for (const f of ['webview.js', 'webview.css']) {
    if (!fs.existsSync(path.join(REPO_ROOT, 'dist', f))) throw new Error(`dist/${f} is missing: run npm run build`);
  }
  browser = await chromium.launch({ executablePath: await chromiumPath(), args: ['--no-sandbox'] });
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

export class SlabPanelPage {
  private constructor(
    readonly page: Page,
    /** Page errors and console errors, as Playwright reports them. */
    private readonly problems: string[],
  ) {}

  /** A fresh page with the panel loaded and its `ready` posted. */
  static async open(theme: PanelTheme = DARK): Promise<SlabPanelPage> {
    if (!browser) throw new Error('launchBrowser() first');
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 }, deviceScaleFactor: 1 });
    const nonce = makeNonce();
    const files: Record<string, [Buffer | string, string]> = {
      '/': [panelHtml({ cspSource: ORIGIN, nonce, scriptUri: `${ORIGIN}/webview.js`, styleUri: `${ORIGIN}/webview.css` }), 'text/html'],
      '/webview.js': [fs.readFileSync(path.join(REPO_ROOT, 'dist', 'webview.js')), 'text/javascript'],
      '/webview.css': [fs.readFileSync(path.join(REPO_ROOT, 'dist', 'webview.css')), 'text/css'],
    };
    await page.route('**/*', (route) => {
      const u = new URL(route.request().url());
      const f = u.origin === ORIGIN ? files[u.pathname] : undefined;
      return f ? route.fulfill({ status: 200, body: f[0], contentType: f[1] }) : route.abort();
    });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    // tsx compiles this file keeping function names (an `__name(fn, "name")` helper): functions
    // handed to the page call it there
    await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
    await page.addInitScript((t: PanelTheme) => {
      const w = window as unknown as PanelWindow;
      w.__posted = [];
      w.__problems = [];
      w.__charts = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__problems.push(`CSP refused ${e.violatedDirective} ${e.blockedURI}`));
      Object.defineProperty(Object.prototype, '$proxies', {
        configurable: true,
        get: () => undefined,
        set(this: Chart, v: unknown) {
          Object.defineProperty(this, '$proxies', { value: v, writable: true, configurable: true, enumerable: true });
          if (this.canvas instanceof HTMLCanvasElement) w.__charts.push(this);
        },
      });
      // VS Code applies the theme before the panel's script runs, which acquires the API first
      w.acquireVsCodeApi = () => {
        document.body.classList.add(t.kind);
        document.body.dataset.vscodeThemeKind = t.kind;
        document.body.dataset.vscodeThemeName = t.name;
        for (const [k, v] of Object.entries(t.vars)) document.documentElement.style.setProperty(k, v);
        return {
          postMessage: (m: WebviewToHost) => w.__posted.push(JSON.parse(JSON.stringify(m)) as WebviewToHost),
          getState: () => w.__state,
          setState: (s: unknown) => {
            w.__state = s;
          },
        };
      };
    }, theme);
    await page.goto(`${ORIGIN}/`);
    const p = new SlabPanelPage(page, problems);
    await page.waitForFunction(() => (window as unknown as PanelWindow).__posted.some((m) => m.type === 'ready'));
    return p;
  }

  /** Page errors, console errors and CSP violations so far. */
  async failures(): Promise<string[]> {
    const inPage = await this.page.evaluate(() => (window as unknown as PanelWindow).__problems);
    return [...this.problems, ...inPage];
  }

  /** Posts a message as the host does and waits until the panel handled it and painted. */
  async post(m: HostToWebview): Promise<void> {
    await this.page.evaluate(async (message) => {
      let done = false;
      const mark = (e: MessageEvent) => (done = e.data === 'test: handled');
      window.addEventListener('message', mark); // after the panel's listener: fires once it handled the message
      window.postMessage(message, '*');
      window.postMessage('test: handled', '*');
      while (!done) await new Promise((r) => setTimeout(r, 5));
      window.removeEventListener('message', mark);
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    }, m);
  }

  /** Everything the panel posted to the host. */
  posted(): Promise<WebviewToHost[]> {
    return this.page.evaluate(() => (window as unknown as PanelWindow).__posted);
  }

  /** Waits until the panel posted a message of this type, and returns the last one. */
  async nextPosted<T extends WebviewToHost['type']>(type: T, after: number): Promise<Extract<WebviewToHost, { type: T }>> {
    await this.page.waitForFunction(([t, n]) => (window as unknown as PanelWindow).__posted.slice(n).some((m) => m.type === t), [type, after] as const, { timeout: 5000 });
    const all = await this.posted();
    return all.slice(after).filter((m) => m.type === type).at(-1) as Extract<WebviewToHost, { type: T }>;
  }

  /** The chart drawn on the canvas with this id, as a test reads it. */
  chartState(canvasId: string): Promise<ChartState> {
    return this.page.evaluate((id) => {
      const chart = (window as unknown as PanelWindow).__charts.find((c) => c.canvas.id === id);
      if (!chart) throw new Error(`no chart on #${id}`);
      const x = chart.scales.x;
      const opts = chart.options.scales?.x;
      const legend = chart.legend as unknown as { legendItems?: { text: string; hidden: boolean }[]; legendHitBoxes?: { left: number; top: number; width: number; height: number }[] };
      const area = chart.chartArea;
      return {
        xMin: x.min,
        xMax: x.max,
        userMin: typeof opts?.min === 'number' ? opts.min : undefined,
        userMax: typeof opts?.max === 'number' ? opts.max : undefined,
        datasets: chart.data.datasets.map((d, i) => {
          const raw = d as unknown as { _data?: unknown[]; _decimated?: unknown[]; data: unknown[] };
          return {
            label: d.label ?? '',
            visible: chart.isDatasetVisible(i),
            borderColor: String(d.borderColor),
            points: (raw._data ?? raw.data).length,
            drawn: chart.getDatasetMeta(i).data.length,
            decimated: Array.isArray(raw._decimated),
          };
        }),
        tickColor: String(opts?.ticks?.color),
        legendColor: String(chart.options.plugins?.legend?.labels?.color),
        legend: (legend.legendItems ?? []).map((it, i) => ({ text: it.text, hidden: it.hidden, ...(legend.legendHitBoxes?.[i] ?? { left: 0, top: 0, width: 0, height: 0 }) })),
        chartArea: { left: area.left, right: area.right, top: area.top, bottom: area.bottom },
      };
    }, canvasId);
  }

  /** Page coordinates of a point given in a canvas's CSS pixels. */
  async at(canvasId: string, x: number, y: number): Promise<{ x: number; y: number }> {
    const box = await this.page.locator(`#${canvasId}`).boundingBox();
    if (!box) throw new Error(`#${canvasId} is not shown`);
    return { x: box.x + x, y: box.y + y };
  }

  /**
   * A real click at a point of a canvas (its CSS pixels), once chart.js handled it: chart.js
   * handles canvas events in the next animation frame.
   */
  async clickCanvas(canvasId: string, x: number, y: number): Promise<void> {
    const at = await this.at(canvasId, x, y);
    await this.page.mouse.click(at.x, at.y);
    await this.nextFrame();
  }

  /** Resolves after the next paint. */
  nextFrame(): Promise<void> {
    return this.page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0)))));
  }

  /** Switches the theme the way VS Code's webview host does: body classes and data, then <html> variables. */
  async setTheme(t: PanelTheme): Promise<void> {
    await this.page.evaluate(async (theme) => {
      const body = document.body;
      body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast');
      body.classList.add(theme.kind);
      body.dataset.vscodeThemeKind = theme.kind;
      body.dataset.vscodeThemeName = theme.name;
      for (const [k, v] of Object.entries(theme.vars)) document.documentElement.style.setProperty(k, v);
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    }, t);
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
