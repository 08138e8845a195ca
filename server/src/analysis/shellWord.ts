// Values as shell words, for the commands kleak prints or types for the user to run (the sudo
// recorder script, the conversion of a capture it cannot read).

/** One literal shell word, single-quoted whatever it holds. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** As it is when no shell treats any of its characters specially (easier to read), else quoted. */
export function shellWord(s: string): string {
  return /^[\w./+-]+$/.test(s) ? s : shellQuote(s);
}
