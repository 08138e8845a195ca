// Terminal colours and controls in a saved log: `dmesg --color=always` (or `-L`, and dmesg's
// default when its output is a terminal that `script` or tmux's pipe-pane records), a copy out of
// `less -R`, a colourised syslog viewer. They sit inside the text that the parsers match (the
// timestamp, "kmemleak: "), so a coloured capture looked like no format at all.

const ESC = '\x1b';

/**
 * ECMA-48 sequences: CSI (colours `ESC[32m`, cursor moves `ESC[2K`), OSC (window titles, links,
 * ended by BEL or ST), character set selection (`ESC(B`) and the other two-byte escapes (`ESC7`).
 */
const SEQUENCE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[()*+][0-~]|[0-~])/g;

export function hasTerminalEscape(line: string): boolean {
  return line.includes(ESC);
}

/** The line without its terminal sequences, as the terminal showed it. */
export function stripTerminalEscapes(line: string): string {
  return line.includes(ESC) ? line.replace(SEQUENCE, '') : line;
}
