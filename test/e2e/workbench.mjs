// A small library for driving the VS Code workbench (code-server in Debian's Chromium, via
// playwright-core) the way a user does: explorer clicks, the command palette, hovers, panels, webviews.
// Every page (and frame) is watched for Content-Security-Policy violations, and every request that
// would leave 127.0.0.1 is aborted and recorded: the test runner fails a test for either.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, ensureChromium, ensureCodeServer } from '../../scripts/provision.mjs';
import { startCodeServer, freshRunDir, CHROMIUM_ARGS, isLocalUrl } from '../../scripts/code-server.mjs';
import { watchSockets } from '../../scripts/socket-watch.mjs';

export const ARTIFACTS = path.join(ROOT, 'test-results/e2e');
/** Host of webview resources served by the local code-server (127.0.0.1, any port) through VS Code's service worker. */
const LOCAL_WEBVIEW_RESOURCE = /^vscode-remote\+127-002e0-002e0-002e1(?:-003a\d{1,5})?\.vscode-resource\.vscode-cdn\.net$/;
const CSP_CONSOLE = /Content[- ]Security[- ]Policy|Refused to (load|execute|apply|connect|frame|create|evaluate)/i;
/**
 * Functions `(workspaceFolder) => void | Promise<void>` run on each fresh workspace copy before
 * code-server opens it: journeys register here what must already be on disk when the page opens.
 */
export const WORKSPACE_PREPARERS = [];

export class Workbench {
  /** @type {import('playwright-core').Page} */ page;
  /** CSP violations seen so far (console messages and securitypolicyviolation events, any frame). */
  csp = [];
  /** URLs of requests that tried to leave 127.0.0.1 (all aborted). */
  offline = [];
  shots = [];

  /**
   * Start a fresh code-server on a copy of `workspace` with `vsix` installed, and open it in Chromium.
   * @param {{vsix: string, workspace?: string, waitForFile?: string}} o
   */
  static async launch(options) {
    const wb = new Workbench();
    try {
      await wb.#launch(options);
      return wb;
    } catch (e) {
      if (wb.page) await wb.screenshot('FAILED-launch').catch(() => {});
      await wb.close();
      throw e;
    }
  }

  async #launch({ vsix, workspace = path.join(ROOT, 'samples'), waitForFile = 'README.md' }) {
    const wb = this;
    ensureCodeServer();
    const executablePath = ensureChromium();
    wb.runDir = freshRunDir('ui');
    const ws = path.join(wb.runDir, 'workspace');
    fs.cpSync(workspace, ws, { recursive: true });
    for (const prepare of WORKSPACE_PREPARERS) await prepare(ws);
    wb.cs = await startCodeServer({ runDir: wb.runDir, folder: ws, vsix });
    // The browser is policed below; code-server, the extension host and the language server by their sockets.
    wb.socketWatch = watchSockets(wb.cs.pid, { onRemote: (d) => wb.offline.push(d) });
    wb.browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    const context = await wb.browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    await context.route(() => true, (route) => {
      if (isLocalUrl(route.request().url())) return route.fallback();
      wb.offline.push(route.request().url());
      return route.abort('blockedbyclient');
    });
    context.on('request', (r) => { // also catches requests the router does not see (e.g. from service workers)
      const u = new URL(r.url());
      // A webview's own resources (asWebviewUri) are named https://vscode-remote+127-002e0-002e0-002e1-003a<port>
      // .vscode-resource.vscode-cdn.net/…: VS Code's webview service worker answers them from this
      // code-server on 127.0.0.1, they never reach the network (were one to, the router above aborts it).
      if (LOCAL_WEBVIEW_RESOURCE.test(u.hostname)) return;
      if (/^https?:$|^wss?:$/.test(u.protocol) && u.hostname !== '127.0.0.1' && !wb.offline.includes(r.url())) wb.offline.push(r.url());
    });
    // securitypolicyviolation events from every frame, including webview frames
    await context.exposeBinding('__kleakCspViolation', (src, v) => wb.csp.push(`${v.directive} blocked ${v.blocked || '(inline)'} in ${src.frame.url().slice(0, 120)}${v.sample ? `: ${v.sample}` : ''}`));
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        globalThis.__kleakCspViolation?.({ directive: e.effectiveDirective || e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
      });
    });
    wb.page = await context.newPage();
    wb.page.on('console', (m) => { if (CSP_CONSOLE.test(m.text())) wb.csp.push(`console: ${m.text().slice(0, 500)}`); });
    const t = Date.now();
    await wb.page.goto(`${wb.cs.url}?folder=${encodeURIComponent(ws)}`);
    // The workbench is usable once the explorer lists the folder (the status bar appears earlier).
    await wb.explorerRow(waitForFile).waitFor({ timeout: 60_000 });
    wb.readyMs = Date.now() - t;
    await wb.selfCheckCspDetector();
  }

  /** Prove the CSP watch is not blind: an inline script the workbench's CSP must refuse, seen by both channels. */
  async selfCheckCspDetector() {
    const before = this.csp.length;
    await this.page.evaluate(() => {
      const s = document.createElement('script');
      try { s.textContent = 'void 0'; } catch { /* Trusted Types refuse (and report) the assignment itself */ }
      document.head.appendChild(s);
      s.remove();
    });
    const seen = () => this.csp.slice(before);
    await waitUntil(() => seen().some((v) => v.startsWith('console:')) && seen().some((v) => !v.startsWith('console:')), 5000,
      `the CSP watch to report a deliberate inline-script violation (seen: ${JSON.stringify(seen())})`);
    await new Promise((r) => setTimeout(r, 300)); // duplicates of the deliberate violation
    this.csp.length = before; // the deliberate one is not a finding
  }

  mark() { return { csp: this.csp.length, offline: this.offline.length }; }

  /** Throws if a CSP violation was logged since `mark` (default: ever). */
  assertNoCspViolation(mark = { csp: 0 }) {
    const v = [...new Set(this.csp.slice(mark.csp))];
    assert.deepEqual(v, [], `Content-Security-Policy violations:\n${v.join('\n')}`);
  }

  /** Throws if anything tried to leave 127.0.0.1 since `mark`. */
  assertOffline(mark = { offline: 0 }) {
    const v = [...new Set(this.offline.slice(mark.offline))];
    assert.deepEqual(v, [], `requests that tried to leave 127.0.0.1 (aborted):\n${v.join('\n')}`);
  }

  /**
   * Reload the window as a user does, once the open editors are saved. In the browser VS Code
   * saves the workbench state to IndexedDB when idle every 5 s; the save it tries on unload may
   * not finish, and then no editor comes back after the reload.
   */
  async reloadWindow() {
    await this.page.waitForTimeout(7_000);
    await this.runCommand('Developer: Reload Window');
  }

  /**
   * What the workbench shows, for a failure report that CI prints (its screenshots stay on the CI
   * machine): the tabs of each group (* = active), notification toasts and the quick input.
   */
  async describe() {
    return this.page.evaluate(() => {
      const text = (e) => (e?.textContent ?? '').replace(/\s+/g, ' ').trim();
      const groups = [...document.querySelectorAll('.editor-group-container')].map((g, i) =>
        `group ${i + 1}${g.classList.contains('active') ? ' (active)' : ''}: ` +
        [...g.querySelectorAll('.tabs-container .tab')].map((t) => `${t.classList.contains('active') ? '*' : ''}${t.getAttribute('aria-label') ?? text(t)}`).join(' | '));
      const toasts = [...document.querySelectorAll('.notifications-toasts .notification-list-item')].map((n) => `notification: ${text(n)}`);
      const quick = document.querySelector('.quick-input-widget');
      const input = quick && getComputedStyle(quick).display !== 'none' ? [`quick input: ${text(quick.querySelector('.quick-input-title'))} [${quick.querySelector('input')?.value ?? ''}]`] : [];
      return [...groups, ...toasts, ...input].join('\n');
    });
  }

  /** Save a screenshot to test-results/e2e/<name>.png (whole page, or one element). */
  async screenshot(name, locator) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${name}.png`);
    await (locator ?? this.page).screenshot({ path: file });
    this.shots.push(file);
    return file;
  }

  explorerRow(name) {
    return this.page.locator('.explorer-folders-view .monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(name)}$`) }) });
  }

  /** Open a workspace file from the explorer (expanding its folders), as a user does. */
  async openFile(relPath) {
    const parts = relPath.split('/');
    for (const dir of parts.slice(0, -1)) {
      const row = this.explorerRow(dir);
      await row.waitFor();
      // A click can land while the explorer re-renders (a file another journey wrote appears and
      // shifts the rows), toggling nothing or another row: setExpanded clicks until it is open.
      await setExpanded(row, true, `the explorer folder ${dir}`);
    }
    const name = parts.at(-1);
    // Likewise a double click that lands on a moving row: double-click again until the tab shows.
    const tab = this.page.locator('.tabs-container .tab.active', { hasText: name });
    let opens = 0;
    await waitUntil(async () => {
      if (opens++) console.log(`    (${name} did not open on double click ${opens - 1}: double-clicking again)`);
      await this.explorerRow(name).dblclick();
      return tab.waitFor({ timeout: 10_000 }).then(() => true, () => false);
    }, 40_000, `${relPath} to open from the explorer`);
    return this.activeEditor();
  }

  activeEditor() {
    return this.page.locator('.editor-group-container.active .monaco-editor').first();
  }

  /** Run a command from the command palette (F1) by its visible label. */
  async runCommand(label) {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${label}`);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor();
    await this.page.keyboard.press('Enter');
    // The palette is done when the widget hides, or when the command reuses it for its own
    // prompt (an input box or quick pick whose value is not the ">label" typed above).
    await waitUntil(
      async () => !(await this.page.locator('.quick-input-widget:not(.quick-input-widget-closing)').isVisible()) ||
        !(await input.first().inputValue().catch(() => '')).startsWith('>'),
      30_000,
      `the command palette to run "${label}"`,
    );
  }

  /**
   * Record the text of every notification toast from now on (short-lived ones too, such as a
   * progress that ends within a second); returns a function giving the texts seen so far.
   */
  async watchNotifications() {
    await this.page.evaluate(() => {
      const seen = (globalThis.__kleakToasts = []);
      const note = () => {
        for (const t of document.querySelectorAll('.notification-toast')) {
          const text = t.innerText.replace(/\s+/g, ' ').trim(); // (innerText: without the toast's <style>)
          if (text && !seen.includes(text)) seen.push(text);
        }
      };
      globalThis.__kleakToastObserver?.disconnect();
      globalThis.__kleakToastObserver = new MutationObserver(note);
      globalThis.__kleakToastObserver.observe(document.body, { childList: true, subtree: true, characterData: true });
      note();
    });
    return () => this.page.evaluate(() => [...(globalThis.__kleakToasts ?? [])]);
  }

  async closeAllEditors() { await this.runCommand('View: Close All Editors'); }

  /** The language mode in the status bar. */
  async languageMode() {
    const item = this.page.locator('#status\\.editor\\.mode');
    await item.waitFor();
    return (await item.innerText()).trim();
  }

  /** Hover the first occurrence of `text` in the active editor; returns the visible hover widget. */
  async hoverText(text, timeout = 20_000) {
    const hover = this.page.locator('.monaco-hover:not(.hidden)', { hasText: text }).first();
    const end = Date.now() + timeout;
    for (;;) {
      // lines re-render while decorations and code lenses arrive: re-locate the token on every try
      const token = this.activeEditor().locator('.view-line span span', { hasText: text }).first();
      try {
        await token.hover({ position: { x: 6, y: 4 }, timeout: 5000 });
        await hover.waitFor({ timeout: 3000 });
        return hover;
      } catch (e) {
        if (Date.now() > end) throw new Error(`no hover showing "${text}" within ${timeout} ms: ${e.message}`);
        await this.page.mouse.move(1, 1);
      }
    }
  }

  /** Colour of the tokens of a line of the active editor: [{text, cls, color}]. */
  async lineTokens(lineText) {
    const line = this.activeEditor().locator('.view-line', { hasText: lineText }).first();
    await line.waitFor();
    return line.locator('span > span').evaluateAll((spans) => spans.map((s) => ({ text: s.textContent, cls: s.className, color: getComputedStyle(s).color })));
  }

  /** Default editor foreground (what an uncoloured token looks like). */
  async defaultForeground() {
    return this.activeEditor().locator('.view-lines').evaluate((el) => getComputedStyle(el).color);
  }

  /** Focus the Problems panel, maximised so that every row renders; returns the rows' texts. Call closePanel() after. */
  async problems() {
    await this.runCommand('View: Focus Problems');
    const rows = this.page.locator('.markers-panel .monaco-list-row');
    await rows.first().waitFor();
    if (!(await this.page.locator('.part.panel.maximized').count())) await this.runCommand('View: Toggle Maximized Panel');
    return rows.allInnerTexts();
  }

  /** Hide the panel (restoring its size if it was maximised). */
  async closePanel() {
    if (await this.page.locator('.part.panel.maximized').count()) await this.runCommand('View: Toggle Maximized Panel');
    await this.runCommand('View: Hide Panel');
  }

  /** Focus the Outline view; returns its rows as {text, level}. */
  async outline() {
    await this.runCommand('Explorer: Focus on Outline View');
    const rows = this.page.locator('.outline-pane .monaco-list-row');
    await rows.first().waitFor({ timeout: 15_000 });
    return rows.evaluateAll((els) => els.map((e) => ({ text: e.textContent.trim(), level: Number(e.getAttribute('aria-level')) })));
  }

  /**
   * Wait for a webview panel (optionally whose tab title matches) and return a FrameLocator on the
   * extension's HTML: outer iframe (VS Code's host page) → inner #active-frame.
   */
  async waitForWebview({ title, timeout = 30_000 } = {}) {
    if (title) await this.page.locator('.tabs-container .tab.active', { hasText: title }).waitFor({ timeout });
    const frame = this.page.frameLocator('iframe.webview.ready').last().frameLocator('#active-frame');
    await frame.locator('body').waitFor({ timeout });
    return frame;
  }

  /** Closes the browser and stops code-server; `socketReport` then holds what the socket watch saw. */
  async close() {
    await this.browser?.close().catch(() => {});
    this.socketReport ??= this.socketWatch?.stop();
    await this.cs?.stop();
    this.browser = this.cs = undefined;
  }
}

/** Drag the sash at the side bar's right edge by `dx` pixels (a wider or narrower side bar). */
export async function widenSideBar(wb, dx) {
  const { page } = wb;
  const bar = await page.locator('.part.sidebar').boundingBox();
  const edge = bar.x + bar.width;
  const sashes = await page.locator('.monaco-sash.vertical').evaluateAll((els) => els.map((e) => { const r = e.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2, h: r.height }; }));
  const sash = sashes.find((s) => Math.abs(s.x - edge) < 6 && s.h > bar.height / 2);
  assert.ok(sash, `no sash at the side bar's edge (x ${edge}): ${JSON.stringify(sashes)}`);
  await page.mouse.move(sash.x, sash.y);
  await page.mouse.down();
  await page.mouse.move(sash.x + dx, sash.y, { steps: 8 });
  await page.mouse.up();
  await waitUntil(async () => Math.abs((await page.locator('.part.sidebar').boundingBox()).width - (bar.width + dx)) < 30, 5_000, `the side bar to be ${bar.width + dx} px wide`);
}

/** Number of non-transparent pixels of a canvas (0 = nothing painted). */
export async function paintedPixels(canvas) {
  return canvas.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
    return n;
  });
}

/**
 * Expand or collapse a tree row or view header by clicking it until its aria-expanded says so
 * (a click that lands while the workbench re-renders toggles nothing, or something else).
 * Each retry is logged, so one that recurs shows in the test output.
 */
export async function setExpanded(toggle, expanded, what = 'a view') {
  let clicks = 0;
  await waitUntil(async () => {
    if ((await toggle.getAttribute('aria-expanded')) === String(expanded)) return true;
    if (clicks++) console.log(`    (${what} did not ${expanded ? 'expand' : 'collapse'} on click ${clicks - 1}: clicking again)`);
    await toggle.click();
    return waitUntil(async () => (await toggle.getAttribute('aria-expanded')) === String(expanded), 2_000, '').then(() => true, () => false);
  }, 30_000, `${what} to ${expanded ? 'expand' : 'collapse'}`);
}

export async function waitUntil(probe, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
