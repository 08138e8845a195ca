// The journeys users come for, driven through the workbench UI (see workbench.mjs for the helpers).
// Each journey gets a Workbench with the packaged .vsix installed and a copy of samples/ open, and
// leaves screenshots in test-results/e2e/. The runner (run.mjs) fails a journey on any CSP violation
// or request leaving 127.0.0.1, and registers only the journeys listed in JOURNEYS at the bottom.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { ROOT, CACHE } from '../../scripts/provision.mjs';
import { WORKSPACE_PREPARERS, escapeRe, paintedPixels, setExpanded, waitUntil, widenSideBar } from './workbench.mjs';

const CAPTURE = 'kmemleak/kmemleak_03_nvme_tcp_blk_iolatency.txt';
const captureText = fs.readFileSync(path.join(ROOT, 'samples', CAPTURE), 'utf8');
/** The objects of the capture, from its text: `unreferenced object 0x…` headers. */
const OBJECTS = [...captureText.matchAll(/unreferenced object (0x[0-9a-f]+)/g)].map((m) => m[1]);

/** Journey 1: open a captured kmemleak report from the explorer and read what kleak shows. */
export async function journeyOpenCapture(wb) {
  const { page } = wb;
  assert.equal(OBJECTS.length, 3);
  const editor = await wb.openFile(CAPTURE);
  await editor.locator('.view-lines', { hasText: 'unreferenced object' }).waitFor();

  // language mode in the status bar (contributed language; file pattern kmemleak*)
  await page.locator('#status\\.editor\\.mode', { hasText: /kmemleak/ }).waitFor({ timeout: 20_000 });

  // squiggles: the extension activated on the language, started the server, which published diagnostics
  await editor.locator('.squiggly-warning').first().waitFor({ timeout: 30_000 });
  // (Monaco renders spaces as U+00A0: match them with \s)
  const renderedHeaders = await editor.locator('.view-line', { hasText: /unreferenced\sobject\s0x/ }).count();
  assert.ok(renderedHeaders >= 1, 'no object header rendered');
  await waitUntil(async () => (await editor.locator('.squiggly-warning').count()) === renderedHeaders, 10_000,
    `one warning squiggle per rendered object header (${renderedHeaders})`);
  assert.ok(await editor.locator('.squiggly-info').count() >= 1, 'the summary (information) on line 1 is not shown');
  const problemsItem = await page.locator('#status\\.problems').getAttribute('aria-label');
  assert.match(problemsItem ?? '', new RegExp(`Warnings: ${OBJECTS.length}\\b`), `status bar problems: ${problemsItem}`);

  // highlighting: the address on the header line and a frame symbol are coloured, not default text
  const fg = await wb.defaultForeground();
  const coloured = async (needle) => {
    let tokens = [];
    await waitUntil(async () => {
      tokens = await wb.lineTokens(needle);
      const t = tokens.find((x) => x.text.includes(needle));
      return t && t.color !== fg && !/\bmtk1\b/.test(t.cls);
    }, 10_000, `"${needle}" to be coloured (default ${fg}); tokens: ${JSON.stringify(tokens)}`);
  };
  await coloured(OBJECTS[0]);
  await coloured('blk_iolatency_init');
  await wb.screenshot('journey1-1-capture-open');

  // hovering a frame explains it (the suspect frame: first outside the allocator)
  const hover = await wb.hoverText('blk_iolatency_init');
  await hover.locator(':text("Suspect frame")').first().waitFor({ timeout: 20_000 });
  await wb.screenshot('journey1-2-hover');
  await page.keyboard.press('Escape');
  await page.mouse.move(5, 5);

  // the Problems panel lists every object (and the summary)
  const rows = await wb.problems();
  for (const address of OBJECTS) {
    assert.ok(rows.some((r) => r.includes(`Leaked object ${address}`)), `Problems panel lacks ${address}:\n${rows.join('\n')}`);
  }
  assert.ok(rows.some((r) => /3 unreferenced objects/.test(r)), `Problems panel lacks the summary:\n${rows.join('\n')}`);
  await wb.screenshot('journey1-3-problems');
  await wb.closePanel();

  // the outline lists the backtrace groups, each object under its group
  const outline = await wb.outline();
  const groups = outline.filter((r) => r.level === 1);
  assert.ok(groups.length >= 1 && groups.length <= OBJECTS.length, `outline groups: ${JSON.stringify(outline)}`);
  assert.ok(groups.some((g) => g.text.includes('blk_iolatency_init')), `no group named after the suspect: ${JSON.stringify(outline)}`);
  for (const address of OBJECTS) {
    assert.ok(outline.some((r) => r.level === 2 && r.text.includes(address)), `outline lacks object ${address}: ${JSON.stringify(outline)}`);
  }
  await wb.screenshot('journey1-4-outline');
}

// ---------------------------------------------------------------------------------------------
// Journeys 2–5 (each registered in JOURNEYS at the end of this file).
// ---------------------------------------------------------------------------------------------

/**
 * Journey 2: run "Generate dalloc/dfree stap script" from the palette, answer its prompts as a
 * user would (keep d_alloc, free with d_free, report every 2 s), and check the generated script
 * opens: a systemtap script counting the pair for `stap -x PID`.
 */
export async function journeyGenerateStapScript(wb, { label = 'kleak: Generate dalloc/dfree stap script' } = {}) {
  const { page } = wb;
  await wb.openFile(CAPTURE);
  await wb.runCommand(label);
  // Each prompt in turn, recognised by its title; wait for it to go before the next one.
  for (const [title, answer] of [['Allocating function', null], ['Freeing function', null], ['Report interval', '2']]) {
    const widget = page.locator('.quick-input-widget', { hasText: title });
    await widget.waitFor({ state: 'visible', timeout: 15_000 });
    const input = widget.locator('input.input');
    await input.focus();
    if (answer !== null) await input.fill(answer);
    await wb.screenshot('journey2-prompt');
    await input.press('Enter');
    await page.locator('.quick-input-widget', { hasText: title }).waitFor({ state: 'hidden', timeout: 20_000 });
  }
  await page.locator('.tabs-container .tab.active', { hasText: 'd_alloc-d_free.stp' }).waitFor({ timeout: 15_000 });
  // The editor renders spaces as no-break spaces.
  const text = (await wb.activeEditor().locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
  assert.match(text, /#!\/usr\/bin\/env stap/, 'a systemtap script');
  assert.match(text, /stap -x PID d_alloc-d_free\.stp/, 'usage for one process');
  assert.match(text, /every 2 s/, 'the interval answered in the prompt');
  await wb.screenshot('journey2-stap-script');
}

/**
 * Journey 3: view slab growth in a side panel. Open the real slabtop series of samples/slab (a
 * socket leak beside a growing dentry cache), run "kleak: Show Slab Growth": the webview beside
 * the editor paints its chart.js canvas, its table lists the socket cache as a likely leak and
 * dentry as a cache; filtering and selecting a row work, and the cache name links back to its
 * line in the capture. Then the meminfo series paints the stacked Slab chart.
 */
export async function journeySlabPanel(wb, { label = 'kleak: Show Slab Growth', capture = 'slab/slabtop-series.txt', meminfo = 'slab/meminfo-series.txt' } = {}) {
  const { page } = wb;
  const editor = await wb.openFile(capture);
  await editor.locator('.view-lines', { hasText: 'OBJS' }).waitFor();
  await page.locator('#status\\.editor\\.mode', { hasText: /slabtop/i }).waitFor({ timeout: 20_000 });
  await wb.runCommand(label);
  const frame = await wb.waitForWebview({ title: /Slab Growth: slabtop-series\.txt/ });
  await frame.locator('body[data-state="series"]').waitFor({ timeout: 30_000 });
  const csp = await frame.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.match(csp ?? '', /default-src 'none'/, 'nothing is allowed by default');
  assert.match(csp ?? '', /script-src 'nonce-[^']+'(;|$)/, 'scripts only by nonce');
  assert.doesNotMatch(csp ?? '', /unsafe-inline|unsafe-eval/);

  // the chart of the top growing caches is painted
  const canvas = frame.locator('canvas#cache-chart');
  await canvas.waitFor({ timeout: 30_000 });
  let painted = 0;
  await waitUntil(async () => (painted = await paintedPixels(canvas)) > 1000, 15_000, 'the cache chart to be painted (> 1000 non-transparent pixels)');
  assert.match(await frame.locator('#summary').innerText(), /^58 snapshots over \d+ s · \d+ caches · [1-9]\d* likely leaks? /);

  // the table lists the socket cache (a likely leak) and dentry (a reclaimable cache)
  const row = (name) => frame.locator(`vscode-table-row[data-key="${name}"]`);
  await row('sock_inode_cache').waitFor({ timeout: 20_000 });
  assert.equal((await row('sock_inode_cache').locator('vscode-table-cell').nth(1).innerText()).trim(), 'likely-leak');
  assert.equal((await row('dentry').locator('vscode-table-cell').nth(1).innerText()).trim(), 'cache');
  await wb.screenshot('journey3-slab-panel');
  await wb.screenshot('journey3-canvas', canvas);

  // filter, then select the row: it is charted, highlighted and its verdict explained
  await frame.locator('#filter input').fill('sock');
  await waitUntil(async () => (await frame.locator('vscode-table-body vscode-table-row:not([hidden])').count()) === 1, 5_000, 'the filter to keep one row');
  await row('sock_inode_cache').locator('vscode-table-cell').nth(2).click();
  await frame.locator('vscode-table-row.selected[data-key="sock_inode_cache"]').waitFor();
  assert.match(await frame.locator('#detail-heading').innerText(), /^Selected cache /, 'the chart now shows the selected cache');
  await waitUntil(async () => (await paintedPixels(canvas)) > 1000, 10_000, 'the selected cache to be charted');
  assert.match(await frame.locator('#reason').innerText(), /sock_inode_cache — likely-leak: Steady unreclaimable growth/);
  await wb.screenshot('journey3-selected');

  // the cache name links back to its row in the latest snapshot of the capture
  await row('sock_inode_cache').locator('button.link').click();
  await page.locator('.tabs-container .tab.active[data-resource-name="slabtop-series.txt"]').waitFor({ timeout: 20_000 });
  await waitUntil(async () => /Ln 2353\b/.test((await page.locator('#status\\.editor\\.selection').innerText().catch(() => '')) ?? ''), 10_000, 'the cursor on line 2353 (sock_inode_cache in the last snapshot)');
  await wb.activeEditor().locator('.view-line', { hasText: /sock_inode_cache/ }).first().waitFor();

  // the meminfo series: the stacked Slab = SReclaimable + SUnreclaim (+ VmallocUsed) chart
  await wb.openFile(meminfo);
  await page.locator('#status\\.editor\\.mode', { hasText: /meminfo/i }).waitFor({ timeout: 20_000 });
  await wb.runCommand(label);
  const mem = await wb.waitForWebview({ title: /Slab Growth: meminfo-series\.txt/, timeout: 60_000 });
  await mem.locator('body[data-state="series"]').waitFor({ timeout: 30_000 });
  const stacked = mem.locator('canvas#meminfo-chart');
  await waitUntil(async () => (await paintedPixels(stacked)) > 1000, 15_000, 'the stacked Slab chart to be painted');
  assert.match(await mem.locator('#summary').innerText(), /SUnreclaim reaches MemTotal in ~/);
  await wb.screenshot('journey3-meminfo', stacked);
  // only the slabtop panel is to come back after the reload below
  const memTab = page.locator('.tabs-container .tab', { hasText: /Slab Growth: meminfo-series\.txt/ });
  await memTab.hover();
  await memTab.locator('.tab-actions .action-label[aria-label^="Close"]').click();
  await memTab.waitFor({ state: 'detached', timeout: 20_000 });

  // after a window reload the panel comes back (WebviewPanelSerializer) with its filter and selection
  await wb.reloadWindow();
  await wb.explorerRow('slabtop-series.txt').waitFor({ timeout: 60_000 });
  const restored = await wb.waitForWebview({ title: /Slab Growth: slabtop-series\.txt/, timeout: 60_000 });
  await restored.locator('body[data-state="series"]').waitFor({ timeout: 30_000 });
  await restored.locator('vscode-table-row.selected[data-key="sock_inode_cache"]').waitFor({ timeout: 20_000 });
  assert.equal(await restored.locator('#filter').evaluate((f) => f.value), 'sock');
  assert.equal(await restored.locator('vscode-table-body vscode-table-row:not([hidden])').count(), 1);
  await waitUntil(async () => (await paintedPixels(restored.locator('canvas#cache-chart'))) > 1000, 15_000, 'the restored chart to be painted');
}

/**
 * Journey 3b (the webview boundary): a capture whose cache names are HTML and script renders them
 * as text in real Chromium and runs nothing.
 */
export async function journeySlabPanelHostileNames(wb) {
  const names = ['<img/src=x/onerror=window.__kleakXss=1>', '</script><script>window.__kleakXss=2</script>', '"><svg/onload=window.__kleakXss=3>'];
  const rows = (n, i) => `${n.padEnd(24)} ${1000 * (i + 1)} ${1000 * (i + 1)}    192   21    1 : tunables    0    0    0 : slabdata ${48 * (i + 1)} ${48 * (i + 1)}      0`;
  const text = [0, 1, 2, 3].map((k) => ['=== ' + (1795312468 + k), 'slabinfo - version: 2.1', ...names.map((n, i) => rows(n, i + k))].join('\n')).join('\n') + '\n';
  fs.writeFileSync(path.join(wb.runDir, 'workspace', 'slab', 'hostile.slabinfo'), text);
  await wb.openFile('slab/hostile.slabinfo');
  // as a user does, run the command on the file once it shows (kleak also takes a tab whose editor
  // is still loading: test/exthost/suite/slabPanel.test.ts)
  await wb.page.locator('#status\\.editor\\.mode', { hasText: /slabinfo/i }).waitFor({ timeout: 20_000 });
  await wb.runCommand('kleak: Show Slab Growth');
  const frame = await wb.waitForWebview({ title: /Slab Growth: hostile\.slabinfo/ });
  await frame.locator('body[data-state="series"]').waitFor({ timeout: 30_000 });
  await frame.locator('vscode-table-body vscode-table-row:not([hidden])').nth(names.length - 1).waitFor({ timeout: 20_000 });
  const seen = await frame.locator('vscode-table-body vscode-table-row:not([hidden])').evaluateAll((rows) => rows.map((r) => r.querySelector('vscode-table-cell')?.textContent));
  assert.deepEqual([...seen].sort(), [...names].sort(), 'each hostile name is one cell of text');
  const injected = await frame.locator('body').evaluate(() => ({
    xss: globalThis.__kleakXss,
    img: document.querySelectorAll('img').length,
    svg: document.querySelectorAll('#app svg').length,
    // (VS Code itself injects one inline script: _vscodeApiScript, defining acquireVsCodeApi)
    inlineScripts: [...document.querySelectorAll('script')].filter((s) => (!s.src && s.id !== '_vscodeApiScript') || s.textContent.includes('__kleakXss')).map((s) => s.outerHTML.slice(0, 80)),
    handlers: [...document.querySelectorAll('#app *')].filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length,
  }));
  assert.deepEqual(injected, { xss: undefined, img: 0, svg: 0, inlineScripts: [], handlers: 0 }, 'capture text stays text');
  await wb.screenshot('journey3b-hostile-names');
}

/**
 * A SLUB "Poison overwritten" report (a real use after free in btrfs): the Problems panel shows
 * the Error naming the corruption and the cache, and expanding it shows the related
 * allocation track.
 */
export async function journeySlubPoison(wb, { capture = 'slub-debug/slub_debug_13_x86_64_6.13_btrfs_poison_overwritten_console_time.txt' } = {}) {
  const { page } = wb;
  await wb.openFile(capture);
  await page.locator('#status\\.editor\\.mode', { hasText: /slub/i }).waitFor({ timeout: 20_000 });
  await wb.runCommand('View: Focus Problems');
  const error = page.locator('.markers-panel .monaco-list-row', { hasText: /Poison overwritten/ }).first();
  await error.waitFor({ timeout: 20_000 });
  const text = await error.innerText();
  assert.match(text, /kmalloc-64/, 'the error names the cache');
  assert.ok(await error.locator('.codicon-error, .marker-icon.error, .codicon-error-small').count() > 0 || /error/i.test((await error.getAttribute('aria-label')) ?? ''), 'shown as an Error');
  // Related information rows follow the marker when it is expanded.
  if ((await error.getAttribute('aria-expanded')) === 'false') {
    await error.click();
    await page.keyboard.press('ArrowRight');
  }
  // The Error's own row also says "Allocated in btrfs_…": look for the related-information rows,
  // which the server labels "allocation track:" / "free track:", in rows other than the Error.
  const relatedRow = (label) => page.locator('.markers-panel .monaco-list-row', { hasText: new RegExp(`${label} track: btrfs_encoded_read_regular_fill_pages\\+0x`), hasNotText: /Poison overwritten/ });
  const allocRow = relatedRow('allocation');
  await allocRow.first().waitFor({ timeout: 20_000 });
  assert.match(await allocRow.first().innerText(), /allocation track: btrfs_encoded_read_regular_fill_pages\+0x5e\/0x260 \[btrfs\] \(pid 18295, cpu 0, age 4\)/, 'the allocation track is a related-information row');
  assert.equal(await relatedRow('free').count(), 1, 'the free track is a related-information row too');
  await wb.screenshot('journey4-slub-poison');
  await wb.closePanel();
}

/** A real capture over 50 MB: 110 MB of `perf script` text of a socketpair leak (ground truth in its README). */
const LARGE_GZ = path.resolve(ROOT, '../shared/captures/generated/perf-kmem-socketpair-task.txt.gz');
const LARGE_CAPTURE = 'large/perf-kmem-socketpair-task.txt';

/**
 * Put the large capture into the workspace before the page opens: decompressed once into
 * .cache/captures (reused by later runs while the .gz is unchanged), then hard-linked (instant,
 * no extra disk) into each fresh workspace.
 */
async function placeLargeCapture(ws) {
  if (!fs.existsSync(LARGE_GZ)) return; // journey 5 fails with the reason
  const cached = path.join(CACHE, 'captures', path.basename(LARGE_CAPTURE));
  if (!fs.existsSync(cached) || fs.statSync(cached).mtimeMs < fs.statSync(LARGE_GZ).mtimeMs) {
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    const t = Date.now();
    await pipeline(fs.createReadStream(LARGE_GZ), zlib.createGunzip(), fs.createWriteStream(`${cached}.partial`));
    fs.renameSync(`${cached}.partial`, cached);
    console.log(`# ui: decompressed ${path.relative(ROOT, LARGE_GZ)} into ${path.relative(ROOT, cached)} in ${Date.now() - t} ms`);
  }
  const dest = path.join(ws, LARGE_CAPTURE);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  try { fs.linkSync(cached, dest); } catch { fs.copyFileSync(cached, dest); }
}
WORKSPACE_PREPARERS.push(placeLargeCapture);

/**
 * Journey 5: a capture over 50 MB, opened from the explorer. VS Code does not load it into an
 * editor (nor hand it to extensions); kleak analyses it from disk with a progress notification and
 * lists its suspects in the Leak Suspects view: the socketpair path on top as a likely leak.
 */
export async function journeyLargeFile(wb) {
  const { page } = wb;
  assert.ok(fs.existsSync(LARGE_GZ), `${LARGE_GZ} is missing: journey 5 needs ../shared/captures beside the repository`);
  const name = path.basename(LARGE_CAPTURE);
  const size = fs.statSync(path.join(wb.runDir, 'workspace', LARGE_CAPTURE)).size;
  assert.ok(size > 50 * 2 ** 20, `${LARGE_CAPTURE} is ${size} bytes, not over 50 MB`);
  const toasts = await wb.watchNotifications();
  const t0 = Date.now();
  await wb.openFile(LARGE_CAPTURE);
  // VS Code does not load it into the editor: it says so, with "Open Anyway". A user who came for
  // the leak leaves it at that and looks at kleak's Leak Suspects view instead.
  const notice = page.locator('.editor-group-container.active', { hasText: /not displayed in the text editor because it is very large/ });
  await notice.waitFor({ timeout: 15_000 });
  await notice.getByRole('button', { name: 'Open Anyway' }).waitFor();
  const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Leak Suspects' }) });
  await setExpanded(view.locator('.pane-header'), true); // (a kleak not active yet starts here, and picks up the open tab)

  // kleak analyses the file from disk, with its progress in a notification, then lists the suspects
  const title = `kleak: analysing ${LARGE_CAPTURE}`;
  await waitUntil(async () => (await toasts()).some((t) => t.includes(title)), 30_000, `the progress notification "${title}"`);
  const row = (text) => view.locator('.monaco-list-row', { hasText: text });
  await row(new RegExp(`^${escapeRe(name)}perf-script · [1-9]\\d* records`)).waitFor({ timeout: 120_000 });
  const ms = Date.now() - t0;
  const top = row(/^#1 /).first();
  await top.waitFor();
  const topText = await top.getAttribute('aria-label'); // label and description, space-separated
  assert.match(topText ?? '', /^#1 \S+ likely-leak · \d+ × · /, `the top suspect: ${topText}`);
  assert.ok((await toasts()).some((t) => t.includes(`${title}: `) && /: \d{1,3}%$/.test(t)), `no progress percentage in the notification: ${JSON.stringify(await toasts())}`);
  await waitUntil(async () => (await toasts()).some((t) => t.includes(`kleak: ${LARGE_CAPTURE}: `) && /top suspect .*likely-leak/.test(t)), 10_000,
    `the summary notification (seen: ${JSON.stringify(await toasts())})`);

  // room for the suspects: the folders section collapsed, the side bar wider
  const folders = page.locator('.part.sidebar .pane-header[aria-label^="Explorer Section: "]');
  const outline = page.locator('.part.sidebar .pane-header[aria-label="Outline Section"]');
  const outlineWas = (await outline.getAttribute('aria-expanded')) === 'true'; // (journey 1 opens it)
  await setExpanded(folders, false);
  await setExpanded(outline, false);
  await widenSideBar(wb, 260);
  try {
    // the top suspect's stack is the socketpair path
    const stack = row(/^Stack\s*\d+ frames/).first();
    await setExpanded(stack, true, "the top suspect's Stack");
    let frames = [];
    await waitUntil(async () => (frames = (await view.locator('.monaco-list-row[aria-level="4"]').allInnerTexts()).map((f) => f.trim()))
      .some((f) => /^(unix_create1|__sys_socketpair)$/.test(f)), 10_000, 'a socketpair frame (unix_create1 or __sys_socketpair) in the top suspect\'s Stack');
    await row(/^unix_create1$|^__sys_socketpair$/).first().scrollIntoViewIfNeeded();
    await wb.screenshot('journey5-large-file');
  } finally {
    await widenSideBar(wb, -260);
    await setExpanded(folders, true);
    await setExpanded(outline, outlineWas);
  }
  console.log(`    (${name}: ${(size / 2 ** 20).toFixed(0)} MB, opened to suspects listed in ${ms} ms; ${topText})`);
}

/** The registered UI tests, in order: [name, journey]. */
export const JOURNEYS = [
  ['journey 1: opening a captured kmemleak report', journeyOpenCapture],
  ['journey 2: generating a dalloc/dfree stap script', journeyGenerateStapScript],
  ['journey 3: viewing slab growth in a side panel', journeySlabPanel],
  ['journey 3b: hostile cache names render as text in the slab panel', journeySlabPanelHostileNames],
  ['journey 4: a SLUB Poison overwritten report in the Problems panel', journeySlubPoison],
  ['journey 5: a capture over 50 MB analysed from disk into the Leak Suspects view', journeyLargeFile],
];

/** Screenshots copied into the repository for the README by `node scripts/e2e.mjs --update-screenshots`. */
export const README_SCREENSHOTS = {
  'journey1-2-hover.png': 'journey-1-open-capture.png',
  'journey2-stap-script.png': 'journey-2-stap-script.png',
  'journey3-slab-panel.png': 'journey-3-slab-panel.png',
  'journey5-large-file.png': 'journey-5-large-file.png',
  'journey4-slub-poison.png': 'journey-4-slub-poison.png',
};
