// Kernel lines arrive wrapped in whatever logged them: dmesg timestamps, printk caller ids,
// syslog/journal prefixes, printk levels. Parsers look past these and keep the columns right.

const PREFIXES: RegExp[] = [
  /^<\d>/, // printk level as in /dev/kmsg or raw console captures
  // syslog / journalctl (-o short, short-precise): "Nov  7 06:07:22 host kernel: ", "Jan 26 15:04:11.123456 host kernel: "
  /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ kernel: ?/,
  // ISO (journalctl -o short-iso, short-iso-precise, rsyslog): "2025-11-07T06:07:22.123+00:00 host kernel: "
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S* \S+ kernel: ?/,
  // journalctl -o short-full: "Fri 2024-01-26 15:04:11 CST host kernel: "
  /^[A-Z][a-z]{2} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? [\w+:-]+ \S+ kernel: ?/,
  // journalctl -o short-unix: "1706252651.123456 host kernel: "
  /^\d{9,11}\.\d+ \S+ kernel: ?/,
  // journalctl -o short-monotonic: "[  634.493181] host kernel: " (before the dmesg stamp, which it starts with)
  /^\[ *\d+\.\d+\] \S+ kernel: ?/,
  // dmesg -x (--decode): "kern  :warn  : ", before its stamp
  /^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|res0|res1|res2|res3|local[0-7]) *:(?:emerg|alert|crit|err|warn|notice|info|debug) *: ?/,
  /^\[ *\d+\.\d+\] ?/, // dmesg "[   12.345678] "
  /^\[ *\d+\.\d+ <\s*\d+\.\d+>\] ?/, // dmesg -d (--show-delta): "[    1.000000 <    0.000123>] "
  /^\[< *\d+\.\d+>\] ?/, // dmesg --time-format delta: "[<    0.000123>] "
  /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\] ?/, // dmesg -T
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{6}[+-]\d\d:\d\d ?/, // dmesg --time-format iso: "2026-11-22T02:57:15,000000+00:00 "
  /^\[(?:[A-Z][a-z]{2}\d\d \d\d:\d\d| *\+\d+\.\d+)\] ?/, // dmesg -e (reltime): "[Nov22 02:57] ", then "[  +0.000123] "
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

/**
 * journalctl's own lines between the log lines: `-- Boot 1a2b… --` when the machine rebooted,
 * `-- Logs begin at … --` / `-- Journal begins at … --` headers, `-- No entries --`, `-- Reboot --`.
 */
export function isJournalSeparator(line: string): boolean {
  return /^-- (?:Boot [0-9a-f]{32}|Reboot|No entries|(?:Logs|Journal) begins? at [^\n]{1,200}) --[ \t]*$/.test(line);
}
