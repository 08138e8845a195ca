// Kernel logs exported by journald as JSON (`journalctl -k -o json`, `-o json-seq`, and the log
// shippers that keep its fields): one object per line, the kernel's text in MESSAGE. Unwrapped
// line for line, so that line numbers still point into the file.

/** The MESSAGE of one exported journal entry, or undefined when the line is not one. */
export function journalMessage(line: string): string | undefined {
  const text = line.charCodeAt(0) === 0x1e ? line.slice(1) : line; // json-seq starts each record with RS
  if (!text.startsWith('{') || !text.includes('"MESSAGE"')) return undefined;
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    return undefined;
  }
  const m = (entry as { MESSAGE?: unknown } | null)?.MESSAGE;
  if (typeof m === 'string') return m;
  // journald exports a message with control characters or invalid UTF-8 as an array of bytes
  if (Array.isArray(m) && m.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) return Buffer.from(m as number[]).toString('utf8');
  if (m === null) return ''; // a message over journald's field size limit
  return undefined;
}

/** Whether the input is a journal export: decided by its first non-empty line. */
export interface JournalState {
  decided: boolean;
  json: boolean;
}

export const journalState = (): JournalState => ({ decided: false, json: false });

/**
 * The line as the parsers are to see it: the MESSAGE of an exported entry, or the line itself.
 * In an export, a line that is not an entry stays as it is (the parser reports it as other
 * output), and a message's own newlines become spaces: one file line stays one line. Synchronous
 * and one test per line once decided, as it runs on every line of a capture.
 */
export function journalLine(line: string, state: JournalState): string {
  if (!state.decided) {
    if (line.trim() === '') return line;
    state.decided = true;
    state.json = journalMessage(line) !== undefined;
  }
  if (!state.json) return line;
  const m = journalMessage(line);
  return m === undefined ? line : m.replace(/\r?\n/g, ' ');
}
