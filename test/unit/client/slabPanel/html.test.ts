// client/src/slabPanel/html.ts: the slab panel's page and its Content-Security-Policy.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, makeNonce, panelHtml } from '../../../../client/src/slabPanel/html';

const cspSource = 'https://*.vscode-cdn.net';
const page = (nonce = makeNonce(), scriptUri = 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js') =>
  panelHtml({ cspSource, nonce, scriptUri, styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css' });

describe('slab panel page', () => {
  it('has a strict CSP: nothing by default, scripts by nonce only, styles and fonts from the extension', () => {
    const nonce = makeNonce();
    const csp = contentSecurityPolicy(cspSource, nonce);
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    assert.deepEqual(directives, {
      'default-src': ["'none'"],
      'img-src': [cspSource, 'data:'],
      'style-src': [cspSource],
      'font-src': [cspSource],
      'script-src': [`'nonce-${nonce}'`],
    });
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*(?!\.vscode-cdn)/);
    const html = page(nonce);
    assert.ok(html.includes(`content="${csp}"`));
    assert.ok(html.includes(`<script nonce="${nonce}" src="`));
  });

  it('holds no data, inline script or inline style', () => {
    const html = page();
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /<script nonce="[^"]+" src="[^"]+"><\/script>/);
    assert.doesNotMatch(html, /\sstyle=|<style|\son\w+=/i);
    assert.match(html, /<link rel="stylesheet" href="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/webview\.css">/);
  });

  it('escapes resource URIs and refuses a malformed nonce', () => {
    const html = page(makeNonce(), 'https://x/dist/webview.js"><script>alert(1)</script>');
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.ok(html.includes('&quot;&gt;&lt;script&gt;'));
    assert.throws(() => page("abc' 'unsafe-inline"));
  });

  it('makes a fresh 128-bit nonce each time', () => {
    const nonces = new Set(Array.from({ length: 100 }, makeNonce));
    assert.equal(nonces.size, 100);
    for (const n of nonces) assert.equal(Buffer.from(n, 'base64').length, 16);
  });
});
