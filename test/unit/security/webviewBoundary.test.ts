// Issue 9, the webview boundary, checked statically on every webview the extension creates:
// scripts enabled only with `localResourceRoots` limited to the bundle (dist/), HTML only from a
// page builder whose Content-Security-Policy is `default-src 'none'` with scripts by nonce and
// styles from the extension (the builder is run here and its output parsed), messages validated
// with the protocol's guards on both sides, and webview code that never turns a string into HTML
// or code (innerHTML, outerHTML, insertAdjacentHTML, document.write, eval, …). What the page does
// with hostile capture text in a real browser is the UI suite's part.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/fixtures';
import { code, sources } from '../../helpers/sourceFiles';



/** Page builders: the module, the function that makes a page, and how to call it. */
const PAGE_BUILDERS: { module: string; fn: string; render: (fn: (o: never) => string, nonce: string, cspSource: string) => string }[] = [
  {
    module: 'client/src/slabPanel/html.ts',
    fn: 'panelHtml',
    render: (fn, nonce, cspSource) =>
      (fn as (o: { cspSource: string; nonce: string; scriptUri: string; styleUri: string }) => string)({
        cspSource,
        nonce,
        scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
        styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css',
      }),
  },
];

const CLIENT = sources('client/src');
const WEBVIEW = sources('webview/src');
const CREATES = /\b(?:createWebviewPanel|registerWebviewViewProvider|registerWebviewPanelSerializer|registerCustomEditorProvider|registerCustomTextEditorProvider)\s*\(/;
const HOSTS = CLIENT.filter((f) => CREATES.test(code(f)) || /\.webview\.(?:html|options)\s*=|\bwebview\.(?:html|options)\s*=/.test(code(f)));

/** The `{…}` object literals of `src` that contain `needle`. */
function objectsWith(src: string, needle: RegExp): string[] {
  const out: string[] = [];
  for (const m of src.matchAll(new RegExp(needle.source, 'g'))) {
    let depth = 0;
    let start = m.index!;
    for (; start >= 0; start--) {
      if (src[start] === '}') depth++;
      else if (src[start] === '{' && depth-- === 0) break;
    }
    depth = 0;
    let end = start;
    for (; end < src.length; end++) {
      if (src[end] === '{') depth++;
      else if (src[end] === '}' && --depth === 0) break;
    }
    out.push(src.slice(start, end + 1));
  }
  return out;
}

/** The directives of a CSP, by name. */
function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map((d) => [d[0], d.slice(1)]),
  );
}

function unescapeAttr(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

describe('webview boundary', () => {
  it('the webviews of the extension are found', () => {
    assert.ok(HOSTS.length >= 1, 'at least the slab panel creates a webview');
  });

  for (const file of HOSTS) {
    it(`${file}: scripts only with localResourceRoots limited to dist/`, () => {
      const src = code(file);
      const options = objectsWith(src, /\benableScripts\s*:/);
      assert.ok(options.length > 0 || !/enableScripts/.test(src), 'webview options found');
      for (const o of options) {
        assert.match(o, /\blocalResourceRoots\s*:/, `options without localResourceRoots: ${o}`);
      }
      for (const m of src.matchAll(/\blocalResourceRoots\s*:\s*(\[[^\]]*\])/g)) {
        assert.match(m[1], /^\[\s*vscode\.Uri\.joinPath\(\s*[\w.]+\.extensionUri\s*,\s*'dist'\s*\)\s*\]$/, `localResourceRoots must be [<extension>/dist] only: ${m[1]}`);
      }
    });

    it(`${file}: its HTML comes from a checked page builder`, () => {
      const src = code(file);
      const assigned = [...src.matchAll(/\.html\s*=\s*([\w.]+)\s*\(/g)].map((m) => m[1]);
      assert.ok(assigned.length > 0 || !/\.html\s*=/.test(src), 'every .html = is a call of a page builder');
      for (const fn of assigned) {
        const builder = PAGE_BUILDERS.find((b) => b.fn === fn);
        assert.ok(builder, `${fn} is not a known page builder: add it to PAGE_BUILDERS so its CSP is checked`);
        const from = [...src.matchAll(/import\s*\{([^}]*)\}\s*from\s*'([^']+)'/g)].find((m) => new RegExp(`\\b${fn}\\b`).test(m[1]))?.[2];
        assert.ok(from, `${fn} is imported`);
        assert.equal(path.posix.join(path.posix.dirname(file), `${from}.ts`), builder.module, `${fn} comes from ${builder.module}`);
      }
    });

    it(`${file}: messages from the webview are checked with the protocol guard`, () => {
      const src = code(file);
      if (!/onDidReceiveMessage\s*\(/.test(src)) return;
      assert.match(src, /\bisWebviewToHost\s*\(/, 'incoming messages go through isWebviewToHost');
    });
  }

  for (const b of PAGE_BUILDERS) {
    it(`${b.module} ${b.fn}: CSP default-src 'none', scripts by nonce only, styles from the extension; no inline code`, async () => {
      const mod = (await import(path.join(REPO_ROOT, b.module))) as Record<string, unknown>;
      const fn = mod[b.fn] as (o: never) => string;
      assert.equal(typeof fn, 'function');
      const nonce = 'q0y4bNn6kqJbK7c0d3ZpRw==';
      const cspSource = 'https://file+.vscode-resource.vscode-cdn.net';
      const html = b.render(fn, nonce, cspSource);
      const metas = [...html.matchAll(/<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/gi)];
      assert.equal(metas.length, 1, 'one CSP meta');
      assert.ok(html.indexOf(metas[0][0]) < html.search(/<(?:script|link|style)\b/i), 'the CSP comes before any script or style');
      const csp = directives(unescapeAttr(metas[0][1]));
      assert.deepEqual(csp.get('default-src'), ["'none'"]);
      assert.deepEqual(csp.get('script-src'), [`'nonce-${nonce}'`], 'scripts by nonce only');
      assert.deepEqual(csp.get('style-src'), [cspSource], 'styles from the extension only');
      for (const [name, values] of csp) {
        for (const v of values) {
          assert.ok(!/^'unsafe-|^\*$|^https?:$|^https?:\/\/\*/.test(v) && v !== 'http:' && v !== 'https:', `${name} allows ${v}`);
          assert.ok(v === cspSource || v.startsWith("'") || v === 'data:', `${name} allows ${v}`);
        }
        if (values.includes('data:')) assert.ok(['img-src', 'font-src'].includes(name), `data: only for images and fonts, not ${name}`);
      }
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
      assert.ok(scripts.length > 0);
      for (const [, attrs, body] of scripts) {
        assert.match(attrs, new RegExp(`\\bnonce="${nonce.replace(/[+/=]/g, (c) => `\\${c}`)}"`), 'every script carries the nonce');
        assert.match(attrs, /\bsrc="[^"]*\/dist\/[^"]*"/, 'every script comes from dist/');
        assert.equal(body.trim(), '', 'no inline script');
      }
      assert.doesNotMatch(html, /\son\w+\s*=/i, 'no inline event handlers');
      assert.doesNotMatch(html, /<style\b/i, 'no inline styles');
      assert.doesNotMatch(html, /\bstyle\s*=/i, 'no style attributes');
    });

    it(`${b.module}: a fresh unguessable nonce for each page`, async () => {
      const mod = (await import(path.join(REPO_ROOT, b.module))) as Record<string, unknown>;
      const makeNonce = mod.makeNonce as (() => string) | undefined;
      assert.equal(typeof makeNonce, 'function', 'the module makes its nonces');
      const seen = new Set(Array.from({ length: 100 }, () => makeNonce!()));
      assert.equal(seen.size, 100);
      for (const n of seen) assert.ok(Buffer.from(n, 'base64').length >= 16, 'at least 128 bits');
    });
  }

  it('webview code never turns a string into HTML or code', () => {
    assert.ok(WEBVIEW.length > 0);
    const SINKS: [RegExp, string][] = [
      [/\.innerHTML\b/, 'innerHTML'],
      [/\.outerHTML\b/, 'outerHTML'],
      [/\binsertAdjacentHTML\b/, 'insertAdjacentHTML'],
      [/\bdocument\.write(?:ln)?\b/, 'document.write'],
      [/\bcreateContextualFragment\b/, 'createContextualFragment'],
      [/\bDOMParser\b/, 'DOMParser'],
      [/\bsrcdoc\b/, 'srcdoc'],
      [/(?<![\w.])eval\s*\(/, 'eval'],
      [/\bnew\s+Function\s*\(/, 'new Function'],
      [/\bset(?:Timeout|Interval)\s*\(\s*['"`]/, 'setTimeout/setInterval with a string'],
      [/\.setAttribute\s*\(\s*['"`]on/i, 'an event handler attribute'],
    ];
    const found: string[] = [];
    for (const f of WEBVIEW) {
      const src = code(f);
      for (const [re, what] of SINKS) if (re.test(src)) found.push(`${f}: ${what}`);
    }
    assert.deepEqual(found, []);
  });

  it('the webview checks every message from the host with the protocol guard', () => {
    const listeners = WEBVIEW.filter((f) => /addEventListener\s*\(\s*['"]message['"]/.test(code(f)));
    assert.ok(listeners.length > 0);
    for (const f of listeners) assert.match(code(f), /\bisHostToWebview\s*\(/, `${f} validates incoming messages`);
  });
});
