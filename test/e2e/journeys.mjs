// The journeys users come for, driven through the workbench UI (see workbench.mjs for the helpers).
// Each journey gets a Workbench with the packaged .vsix installed and a copy of samples/ open, and
// leaves screenshots in test-results/e2e/. The runner (run.mjs) fails a journey on any CSP violation
// or request leaving 127.0.0.1, and registers only the journeys listed in JOURNEYS at the bottom.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../scripts/provision.mjs';
import { paintedPixels, waitUntil } from './workbench.mjs';

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
  await page.locator('#status\\.editor\\.mode', { hasText: /kmemleak/ }).waitFor({ timeout: 10_000 });

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
  await hover.locator(':text("Suspect frame")').first().waitFor({ timeout: 10_000 });
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
// Not registered yet: these land with their features (issue "scaffolding" and the slab panel).
// To enable one, add it to JOURNEYS below and adjust the label/file names to what the feature ships.
// ---------------------------------------------------------------------------------------------

/** Journey 2: run "Generate dalloc/dfree stap script" from the palette and check the generated file. */
export async function journeyGenerateStapScript(wb, { label = 'kleak: Generate dalloc/dfree stap script', file = /\.stp$/ } = {}) {
  await wb.openFile(CAPTURE);
  await wb.runCommand(label);
  const tab = wb.page.locator('.tabs-container .tab.active');
  await waitUntil(async () => file.test((await tab.getAttribute('aria-label').catch(() => '')) ?? '') || file.test(await tab.innerText()), 15_000, `an editor on ${file}`);
  const text = await wb.activeEditor().locator('.view-lines').innerText();
  assert.match(text, /probe\s+kernel\.function/, 'the generated script has kernel probes');
  assert.match(text, /blk_iolatency_init/, 'the script targets the suspect of the capture');
  await wb.screenshot('journey2-stap-script');
}

/**
 * Journey 3: view slab growth in a side panel: a webview with a chart.js canvas that is painted.
 * (Pass the slab capture the panel is for as `capture` once samples/ has one.)
 */
export async function journeySlabPanel(wb, { label = 'kleak: Show Slab Growth', title = /slab/i, capture = CAPTURE } = {}) {
  await wb.openFile(capture);
  await wb.runCommand(label);
  const frame = await wb.waitForWebview({ title });
  const canvas = frame.locator('canvas').first();
  await canvas.waitFor({ timeout: 30_000 });
  await waitUntil(async () => (await paintedPixels(canvas)) > 1000, 15_000, 'the chart to be painted (> 1000 non-transparent pixels)');
  const csp = await frame.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.match(csp ?? '', /script-src[^;]*'nonce-/, 'the webview restricts scripts to a nonce');
  await wb.screenshot('journey3-slab-panel');
  await wb.screenshot('journey3-canvas', canvas);
}

/** The registered UI tests, in order: [name, journey]. */
export const JOURNEYS = [
  ['journey 1: opening a captured kmemleak report', journeyOpenCapture],
  // ['journey 2: generating a dalloc/dfree stap script', journeyGenerateStapScript],
  // ['journey 3: viewing slab growth in a side panel', journeySlabPanel],
];

/** Screenshots copied into the repository for the README by `node scripts/e2e.mjs --update-screenshots`. */
export const README_SCREENSHOTS = {
  'journey1-2-hover.png': 'journey-1-open-capture.png',
  'journey2-stap-script.png': 'journey-2-stap-script.png',
  'journey3-slab-panel.png': 'journey-3-slab-panel.png',
};
