// Hover texts of the bpftrace view: frames (as the other formats' frame hovers: the function,
// offset, module, suspect or not), entries with their key's numbers in the other maps,
// histogram buckets, the probes line.
import { Frame } from '../model';
import { BpftraceEntry, BpftraceReport, BpftraceStack, isBytesMap } from '../formats/bpftrace';
import { HistBucket } from '../formats/bpftraceValues';
import { LeakStack } from '../leakStacks';
import { frameKey } from '../stacks';
import { formatBytes, plural } from '../units';
import { md } from './viewKit';
import { KeyRecord, StackGroup, countText, entryNumber, keyNumbers, stackChain } from './bpftraceKeys';

/** Capture text as inline code: Markdown escapes do not work inside a code span, so no backticks. */
function code(text: string): string {
  return `\`${text.replace(/[`\r\n]/g, ' ').slice(0, 300)}\``;
}

function numberText(e: BpftraceEntry): string {
  if (e.stats) return `count ${e.stats.count}, average ${e.stats.average}, total ${e.stats.total}`;
  const n = entryNumber(e);
  if (n === undefined) return e.cut ? 'no value (cut short)' : code(e.valueText);
  if (e.buckets) return `${plural(n, 'value')} in ${plural(e.buckets.length, 'bucket')}`;
  return isBytesMap(e.map) ? `${n} (${formatBytes(n)})` : String(n);
}

function groupLine(g: StackGroup): string {
  const nums = [g.countMap ? countText(g.countMap, g.count) : '', g.bytesMap ? formatBytes(g.bytes) : ''].filter((x) => x !== '').join(', ');
  return `Same stack in ${plural(g.records.length, 'key')}${nums ? ` (${nums} in all)` : ''}: ${code(stackChain(g))}.`;
}

export function entryHover(e: BpftraceEntry, r: KeyRecord | undefined, g: StackGroup | undefined): string {
  const key = e.key === undefined ? '' : `[${md(e.parts.map((p) => p.text).join(', '))}${e.stacks.length > 0 ? `${e.parts.length > 0 ? ', ' : ''}${plural(e.stacks.length, 'stack')}` : ''}]`;
  const lines = [`**${md(e.map)}**${key}: ${numberText(e)}`];
  const others = r?.entries.filter((x) => x !== e) ?? [];
  if (others.length > 0) lines.push('', `Same key in ${others.map((x) => `**${md(x.map)}**: ${numberText(x)} (line ${x.line + 1})`).join(', ')}.`);
  if (g) lines.push('', groupLine(g));
  if (e.stacks.length > 0) lines.push('', 'bpftrace prints a map sorted by value, the largest last. A count of allocations is not a leak: pair allocations with their frees to see what stays allocated.');
  return lines.join('\n');
}

export function frameHover(f: Frame, s: BpftraceStack, norm: LeakStack, e: BpftraceEntry, r: KeyRecord | undefined, g: StackGroup | undefined): string {
  const lines = [`**${md(f.symbol ?? `0x${f.address ?? '?'}`)}**`, ''];
  if (!f.symbol) lines.push('Unresolved address: bpftrace could not symbolise it.', '');
  if (f.offset !== undefined) lines.push(`Offset ${f.offset} (\`0x${f.offset.toString(16)}\`) into the function (bpftrace prints offsets in decimal)`, '');
  if (f.symbol && f.address) lines.push(`Address ${code(f.address)}`, '');
  if (f.module) lines.push(`${s.user ? 'Binary' : 'Module'}: ${code(f.module)}`, '');
  if (s.user) lines.push('A user-space frame (ustack): no kernel source link.', '');
  const suspect = norm.suspect;
  lines.push(
    f === suspect
      ? '**Suspect frame** of this stack: the first function outside the allocator.'
      : `Not the suspect frame (suspect: ${code(suspect ? frameKey(suspect) : '?')}).`,
  );
  const own = r ? keyNumbers(r) : '';
  lines.push('', `This key: ${own ? md(own) : numberText(e)}.`);
  if (g && g.records.length > 1) lines.push('', groupLine(g));
  return lines.join('\n');
}

export function bucketHover(b: HistBucket, e: BpftraceEntry): string {
  const total = entryNumber(e) ?? 0;
  const share = total > 0 ? ` — ${((100 * b.count) / total).toFixed(1)}% of the ${total} values of **${md(e.map)}**` : '';
  return `Bucket ${code(b.interval)}: **${b.count}**${share}. \`[a, b)\` holds values from a up to, not including, b; \`K\`/\`M\` are powers of 1024.`;
}

export function attachHover(report: BpftraceReport): string {
  return `bpftrace attached ${plural(report.attach!.probes, 'probe')}. It prints its maps when it exits (Ctrl-C) or when the script calls print(): ${plural(report.entries.length, 'map entry', 'map entries')} below.`;
}
