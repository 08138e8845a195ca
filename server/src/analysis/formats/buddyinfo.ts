// /proc/buddyinfo lines: free blocks per order of each zone,
//   Node 0, zone   Normal   1234    567     89 …
// (order 0 first; 11 orders on most kernels, more with a larger MAX_ORDER). Line by line.
import { Span, columns, span, uint } from '../columns';

export interface BuddyinfoRow {
  node: number;
  zone: string;
  /** `Node 0, zone Normal`: the key of this zone across snapshots. */
  key: string;
  /** Free blocks of order 0, 1, 2, … */
  counts: number[];
  keyStart: number;
  keyEnd: number;
  end: number;
}

export function parseBuddyinfoLine(line: string): { row: BuddyinfoRow; spans: Span[] } | undefined {
  const cols = columns(line, 40);
  if (cols.length < 5 || cols[0].text !== 'Node' || cols[2].text !== 'zone') return undefined;
  const nodeText = cols[1].text.endsWith(',') ? cols[1].text.slice(0, -1) : undefined;
  const node = nodeText !== undefined && /^\d{1,5}$/.test(nodeText) ? Number(nodeText) : undefined;
  if (node === undefined) return undefined;
  const zone = cols[3];
  const counts: number[] = [];
  const spans: Span[] = [span(cols[0], 'keyword'), { character: cols[1].start, length: nodeText!.length, kind: 'number' }, span(cols[2], 'keyword'), span(zone, 'cache')];
  for (let i = 4; i < cols.length; i++) {
    const n = uint(cols[i]);
    if (n === undefined) return undefined;
    counts.push(n);
    spans.push(span(cols[i], 'number'));
  }
  if (counts.length === 0) return undefined;
  return {
    row: { node, zone: zone.text, key: `Node ${node}, zone ${zone.text}`, counts, keyStart: cols[0].start, keyEnd: zone.end, end: cols[cols.length - 1].end },
    spans,
  };
}

/** Free memory of a zone in bytes: Σ count × 2^order pages. */
export function buddyFreeBytes(counts: number[], pageSize: number): number {
  let pages = 0;
  for (let order = 0; order < counts.length; order++) pages += counts[order] * 2 ** order;
  return pages * pageSize;
}

export function isBuddyinfoSignature(line: string): boolean {
  return parseBuddyinfoLine(line) !== undefined;
}
