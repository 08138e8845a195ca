// /proc/meminfo lines, of every kernel: `Key:   value kB` fields (old 2.6 field sets without
// Shmem/KernelStack, highmem LowFree/HighTotal, new KReclaimable/Percpu/Zswap/FileHugePages …),
// unit-less counters (HugePages_Total), per-node meminfo (`Node 0 MemTotal: …`) and the 2.4
// table (`        total:    used:    free: …`, `Mem:  …`, `Swap: …`). Also single fields
// grepped from a log (`LowFree:  599392 kB`). Line by line.
import { Span, columns, span, uint } from '../columns';

export interface MeminfoField {
  /** As printed, e.g. `SUnreclaim`, `Active(anon)`, `Node 0 MemFree`. */
  key: string;
  /** Bytes for `kB` fields, the bare count otherwise. */
  value: number;
  unit: 'kB' | '';
  keyStart: number;
  keyEnd: number;
  end: number;
}

export type MeminfoLine =
  | { kind: 'field'; field: MeminfoField; spans: Span[] }
  /** 2.4 table lines: recognised and highlighted, the `Key: N kB` fields below them carry the data. */
  | { kind: 'table'; header: boolean; spans: Span[] };

/** Fields of /proc/meminfo across kernel versions (mm/show_mem.c, fs/proc/meminfo.c). */
export const MEMINFO_FIELDS = new Set([
  'MemTotal', 'MemFree', 'MemAvailable', 'MemShared', 'Buffers', 'Cached', 'SwapCached', 'Active', 'Inactive',
  'Active(anon)', 'Inactive(anon)', 'Active(file)', 'Inactive(file)', 'Unevictable', 'Mlocked',
  'HighTotal', 'HighFree', 'LowTotal', 'LowFree', 'MmapCopy', 'SwapTotal', 'SwapFree', 'Zswap', 'Zswapped',
  'Dirty', 'Writeback', 'AnonPages', 'Mapped', 'Shmem', 'KReclaimable', 'Slab', 'SReclaimable', 'SUnreclaim',
  'KernelStack', 'ShadowCallStack', 'PageTables', 'SecPageTables', 'Quicklists', 'NFS_Unstable', 'Bounce',
  'WritebackTmp', 'CommitLimit', 'Committed_AS', 'VmallocTotal', 'VmallocUsed', 'VmallocChunk', 'Percpu',
  'HardwareCorrupted', 'AnonHugePages', 'ShmemHugePages', 'ShmemPmdMapped', 'FileHugePages', 'FilePmdMapped',
  'CmaTotal', 'CmaFree', 'Unaccepted', 'Balloon', 'HugePages_Total', 'HugePages_Free', 'HugePages_Rsvd',
  'HugePages_Surp', 'Hugepagesize', 'Hugetlb', 'DirectMap4k', 'DirectMap4M', 'DirectMap2M', 'DirectMap1G',
  'GPUActive', 'GPUReclaim',
]);

/** Fields that identify a meminfo capture by themselves (used for format detection). */
const SIGNATURE_FIELDS = new Set([
  'MemTotal', 'MemFree', 'MemAvailable', 'LowFree', 'LowTotal', 'HighFree', 'Slab', 'SReclaimable', 'SUnreclaim',
  'KReclaimable', 'VmallocUsed', 'Committed_AS', 'CommitLimit', 'SwapCached', 'AnonPages', 'KernelStack', 'PageTables',
]);

const KEY = /^[A-Za-z][A-Za-z0-9_]{0,40}(?:\([A-Za-z0-9_]{1,20}\))?:$/;

export function parseMeminfoLine(line: string): MeminfoLine | undefined {
  const cols = columns(line, 12);
  if (cols.length < 2) return undefined;
  let k = 0;
  let prefix = '';
  // Per-node meminfo: "Node 0 MemFree:  123 kB".
  if (cols[0].text === 'Node' && uint(cols[1]) !== undefined && cols.length >= 4) {
    prefix = `Node ${cols[1].text} `;
    k = 2;
  }
  const keyCol = cols[k];
  if (KEY.test(keyCol.text)) {
    const value = uint(cols[k + 1]);
    const unitCol = cols[k + 2];
    const key = prefix + keyCol.text.slice(0, -1);
    if (value !== undefined) {
      const hasUnit = unitCol?.text === 'kB';
      const rest = cols.length - (k + 2) - (hasUnit ? 1 : 0);
      const known = MEMINFO_FIELDS.has(keyCol.text.slice(0, -1));
      if (rest === 0 && (hasUnit || known)) {
        const spans: Span[] = [];
        if (k > 0) spans.push(span(cols[0], 'keyword'), span(cols[1], 'number'));
        spans.push({ character: keyCol.start, length: keyCol.end - keyCol.start - 1, kind: 'field' });
        spans.push(span(cols[k + 1], hasUnit ? 'size' : 'number'));
        if (hasUnit) spans.push(span(unitCol, 'keyword'));
        return {
          kind: 'field',
          field: {
            key,
            value: hasUnit ? value * 1024 : value,
            unit: hasUnit ? 'kB' : '',
            keyStart: cols[0].start,
            keyEnd: keyCol.end - 1,
            end: cols[cols.length - 1].end,
          },
          spans,
        };
      }
    }
    // 2.4 table rows: "Mem:  261496832 255176704 …", "Swap: …".
    if ((keyCol.text === 'Mem:' || keyCol.text === 'Swap:') && k === 0 && cols.length >= 4 && cols.slice(1).every((c) => uint(c) !== undefined)) {
      return { kind: 'table', header: false, spans: [{ character: keyCol.start, length: keyCol.end - keyCol.start - 1, kind: 'field' }, ...cols.slice(1).map((c) => span(c, 'size'))] };
    }
  }
  // 2.4 table header: "        total:    used:    free:  shared: buffers:  cached:".
  if (cols[0].text === 'total:' && cols.length >= 3 && cols[1].text === 'used:' && cols.every((c) => c.text.endsWith(':'))) {
    return { kind: 'table', header: true, spans: [{ character: cols[0].start, length: cols[cols.length - 1].end - cols[0].start, kind: 'prefix' }] };
  }
  return undefined;
}

/** Does this line identify a /proc/meminfo capture? */
export function isMeminfoSignature(line: string): boolean {
  const p = parseMeminfoLine(line);
  return p?.kind === 'field' && p.field.unit === 'kB' && SIGNATURE_FIELDS.has(p.field.key);
}
