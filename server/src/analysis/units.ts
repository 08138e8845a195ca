/** 1536 → "1.5 KiB"; exact bytes below 1 KiB; a shrink (negative) keeps its sign: "−2.00 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 0) return `−${formatBytes(-bytes)}`;
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** A suspect's bytes, or "size n/a" for objects whose capture gives no sizes (a probe without a
 * size field, an allocation count, SLUB's "Objects remaining"): 0 B would say they hold nothing. */
export function suspectSize(bytes: number, count: number): string {
  return bytes === 0 && count > 0 ? 'size n/a' : formatBytes(bytes);
}
