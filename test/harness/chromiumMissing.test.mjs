// Without Chromium the tests in VS Code fail, printing the command that installs it: never a skip.
// CHROME_PATH names the browser; when it is set, provisioning never installs (it would not put a
// browser at that path), so this runs in a second without touching apt.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';
import { ROOT, CHROMIUM_INSTALL } from '../../scripts/provision.mjs';

it('CHROME_PATH=/nonexistent: `e2e.mjs --only ui` exits 1, prints the install command and counts the suite as failed', () => {
  const t = Date.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/e2e.mjs'), '--only', 'ui'], {
    cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CHROME_PATH: '/nonexistent/chromium' },
  });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /CHROME_PATH=\/nonexistent\/chromium does not exist/);
  assert.ok(r.stderr.includes(CHROMIUM_INSTALL), r.stderr);
  // the closing line that `npm test` adds up: one failure, nothing passed or skipped
  assert.match(r.stdout, /^ui: 0 passed, 1 failed$/m);
  assert.doesNotMatch(r.stdout + r.stderr, /skip/i);
  assert.ok(Date.now() - t < 30_000, `took ${Date.now() - t} ms: it should stop before building anything`);
});
