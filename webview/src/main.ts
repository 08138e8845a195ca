// Webview entry. The panel UI (slab growth charts) lands with the slab-growth feature; this
// module already enforces the boundary: only validated messages are handled, text is set
// with textContent, never as HTML.
import { isHostToWebview, WebviewToHost } from '../../server/src/protocol';

declare function acquireVsCodeApi(): { postMessage(m: WebviewToHost): void };

const vscode = acquireVsCodeApi();
const title = document.getElementById('title');

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isHostToWebview(event.data)) {
    console.warn('kleak: dropped a malformed message');
    return;
  }
  if (title) title.textContent = event.data.title;
});

vscode.postMessage({ type: 'ready' });
