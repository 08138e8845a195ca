// The `call_site=` fields of kmem trace events as frames, so that they link, go to definition
// and hover like stack frames. The kernel prints them three ways:
//   call_site=__fput+0x141/0x2a0                            (ftrace, %pS)
//   call_site=kmem_test_new_item.isra.0+0x18/0x60 [kmem_test]  (%pS of module code)
//   call_site=__dentry_kill+0x130                           (perf script: symbol+offset only)
//   call_site=ffffffffc0a000c8                              (raw: older kernels, perf raw fields)
// A call site is the allocator's return address (_RET_IP_), like a stack frame's.
import { Frame, range } from './model';

const CALL_SITE =
  /\bcall_site=(?:([A-Za-z_.$][\w.$]{0,511})\+0x([0-9a-fA-F]{1,16})(?:\/0x([0-9a-fA-F]{1,16}))?(?: \[([\w-]{1,64})\])?(?![\w.$+/])|(?:0x)?([0-9a-fA-F]{8,16})\b)/g;

/** At most this many call sites per document: a 100 MB trace still answers quickly. */
export const MAX_CALL_SITES = 100_000;

/** Every `call_site=` of `text` that names a symbol+offset or an address, as a frame (in text order). */
export function callSiteFrames(text: string, limit = MAX_CALL_SITES): Frame[] {
  const frames: Frame[] = [];
  if (!text.includes('call_site=')) return frames;
  let line = 0;
  let lineStart = 0;
  let nl = text.indexOf('\n');
  for (const m of text.matchAll(CALL_SITE)) {
    if (frames.length >= limit) break;
    const at = m.index!;
    while (nl >= 0 && nl < at) {
      line++;
      lineStart = nl + 1;
      nl = text.indexOf('\n', lineStart);
    }
    const start = at - lineStart + 'call_site='.length;
    const end = at - lineStart + m[0].length;
    const whole = range(line, start, end);
    if (m[5] !== undefined) {
      const digitsAt = end - m[5].length;
      frames.push({ address: m[5], inline: false, unreliable: false, range: whole, symbolRange: range(line, digitsAt, end) });
      continue;
    }
    const symbolEnd = start + m[1].length;
    const offsetText = m[0].slice('call_site='.length + m[1].length).replace(/ \[[\w-]+\]$/, '');
    const frame: Frame = {
      symbol: m[1],
      offset: parseInt(m[2], 16),
      inline: false,
      unreliable: false,
      range: whole,
      symbolRange: range(line, start, symbolEnd),
      offsetRange: range(line, symbolEnd, symbolEnd + offsetText.length),
    };
    if (m[3] !== undefined) frame.size = parseInt(m[3], 16);
    if (m[4] !== undefined) {
      frame.module = m[4];
      frame.moduleRange = range(line, end - 1 - m[4].length, end - 1);
    }
    frames.push(frame);
  }
  return frames;
}
