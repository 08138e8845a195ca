// Kernel lines arrive wrapped in whatever logged them: dmesg timestamps, printk caller ids,
// syslog/journal prefixes, printk levels. Parsers look past these and keep the columns right.

const PREFIXES: RegExp[] = [
  /^<\d>/, // printk level as in /dev/kmsg or raw console captures
  // syslog / journalctl: "Nov  7 06:07:22 host kernel: " and ISO "2025-11-07T06:07:22.123+00:00 host kernel: "
  /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ kernel: ?/,
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S* \S+ kernel: ?/,
  /^\[ *\d+\.\d+\] ?/, // dmesg "[   12.345678] "
  /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\] ?/, // dmesg -T
  /^\[ *[TC]\d+\] ?/, // CONFIG_PRINTK_CALLER "[T1234] "
];

/** Length of the log prefix at the start of `line` (0 when there is none). */
export function logPrefixLength(line: string): number {
  let at = 0;
  // A prefix kind appears at most once, in this order or close to it; a few passes suffice.
  for (let pass = 0; pass < 3; pass++) {
    let moved = false;
    for (const re of PREFIXES) {
      const m = re.exec(at === 0 ? line : line.slice(at));
      if (m && m[0].length > 0) {
        at += m[0].length;
        moved = true;
      }
    }
    if (!moved) break;
  }
  return at;
}
