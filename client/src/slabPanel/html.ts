// The slab panel's HTML: a static page with no data in it (data arrives by postMessage), the
// script and stylesheet from the extension's dist/ folder, and a strict Content-Security-Policy:
// nothing by default, scripts only with this page's nonce, styles and fonts only from the
// extension. Pure: no vscode (the host passes webview.cspSource and the resource URIs).
import { randomBytes } from 'node:crypto';

/** A fresh nonce per page load: 128 random bits, base64. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function panelHtml(o: { cspSource: string; nonce: string; scriptUri: string; styleUri: string }): string {
  if (!/^[A-Za-z0-9+/=]{16,}$/.test(o.nonce)) throw new Error('bad nonce');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>Slab growth</title>
</head>
<body>
<main id="app"></main>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}
