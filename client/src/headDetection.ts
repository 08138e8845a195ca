// Content detection of a plain-text document from its head, with the server's and CLI's own
// signatures (server/src/analysis/formats/signatures.ts). No vscode import: unit-tested in node.
import { detectHead } from '../../server/src/analysis/formats/signatures';

/** How much of a document is read to recognise it: its head, never a whole (huge) capture. */
export const HEAD_MAX_LINES = 200;
export const HEAD_MAX_CHARS = 64 * 1024;
/** A capture's lines are short; a longer one is only matched on its start. */
const MAX_LINE_CHARS = 4096;

/** The first lines of a document, within HEAD_MAX_LINES and HEAD_MAX_CHARS. */
export function documentHead(lineCount: number, lineAt: (line: number) => string): string[] {
  const head: string[] = [];
  let chars = 0;
  for (let i = 0; i < Math.min(lineCount, HEAD_MAX_LINES) && chars < HEAD_MAX_CHARS; i++) {
    const text = lineAt(i);
    const line = text.length > MAX_LINE_CHARS ? text.slice(0, MAX_LINE_CHARS) : text;
    head.push(line);
    chars += line.length + 1;
  }
  return head;
}

/** `dmesg.txt`, `messages`, `kern.log`, `syslog.1`, `journal-k.txt`, `console.log`: where kernel lines are kept. */
export function isKernelLogName(fileName: string): boolean {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  return /^(?:dmesg|messages|kern|kernel|syslog|journal|journalctl|console|kmsg)(?:$|[^a-z])/i.test(base);
}

/**
 * The capture language of a document's head, when it is sure enough to switch a user's text file:
 * one signature line could be a quotation in notes, so it takes two lines of the format, or one in
 * a kernel log (where a kernel message is what one expects).
 */
export function captureLanguageOfHead(head: readonly string[], inKernelLog: boolean): string | undefined {
  const found = detectHead(head);
  if (!found) return undefined;
  return found.evidence >= 2 || inKernelLog ? found.format.languageId : undefined;
}
