// What the parsers see of each line of a capture file: the MESSAGE of a journal export
// (journalJson.ts) without terminal colours (terminalEscapes.ts). Line for line, so that line
// numbers still point into the file.
import { JournalState, journalLine, journalState } from './journalJson';
import { hasTerminalEscape, stripTerminalEscapes } from './terminalEscapes';

export interface InputLineState extends JournalState {
  /** A line had terminal sequences (then the file is read line by line, never as raw bytes). */
  escapes: boolean;
}

export const inputLineState = (): InputLineState => ({ ...journalState(), escapes: false });

/** Synchronous and one `includes` per plain line: it runs on every line of a capture. */
export function inputLine(line: string, state: InputLineState): string {
  const text = journalLine(line, state);
  if (!hasTerminalEscape(text)) return text;
  state.escapes = true;
  return stripTerminalEscapes(text);
}

/** Whether the file must be read line by line: its lines are not what the parsers see. */
export function rewritesLines(state: InputLineState): boolean {
  return state.json || state.escapes;
}
