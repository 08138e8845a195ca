// /proc/slabinfo lines: the `slabinfo - version: X.Y` header, the `# name <active_objs> …`
// column header and cache rows, in every layout the kernel has printed:
//   2.0 / 2.1 (SLAB and SLUB):  name active num objsize objperslab pagesperslab
//                               : tunables limit batchcount sharedfactor : slabdata active_slabs num_slabs sharedavail
//                               (2.1 "(statistics)" adds ": globalstat …" and ": cpustat …")
//   1.1 (2.4 kernels):          name active num objsize active_slabs num_slabs pagesperslab [: limit batchcount]
//                               (2.4 names may hold spaces: "file lock cache", "dnotify cache")
// Line by line and stateless apart from the version: the series parser (snapshotSeries.ts) puts
// the lines into snapshots. Partial dumps (`grep`, `sort | head`) are just rows without a header.
import { Column, Span, columns, span, uint } from '../columns';

export interface SlabinfoRow {
  name: string;
  activeObjs: number;
  numObjs: number;
  /** Size of an object slot in bytes (`s->size`: object plus metadata). */
  objSize: number;
  /** Objects per slab (1.1 does not print it: derived from num_objs / num_slabs). */
  objPerSlab: number;
  pagesPerSlab: number;
  activeSlabs: number;
  numSlabs: number;
  nameStart: number;
  nameEnd: number;
  /** End of the row's last column. */
  end: number;
}

export type SlabinfoLine =
  | { kind: 'version'; version: string; major: number; spans: Span[] }
  | { kind: 'columns'; spans: Span[] }
  | { kind: 'row'; row: SlabinfoRow; spans: Span[] }
  /** Starts like a cache row but stops early: a line cut short (truncated capture, killed recorder). */
  | { kind: 'cut'; name: string; nameStart: number; nameEnd: number; end: number; spans: Span[] };

const VERSION = /^slabinfo - version: (\d{1,3})\.(\d{1,3})/;
const COLUMN_HEADER = /^# ?name\s+<active_objs>/;

/** Is this column a plausible cache name (not a number, not a `Key:` of meminfo, not a prompt)? */
function cacheName(c: Column | undefined): boolean {
  if (!c) return false;
  const t = c.text;
  return !/^\d+$/.test(t) && !t.endsWith(':') && !t.startsWith('#') && !t.startsWith('$') && t.length <= 64;
}

/**
 * Parse one line as slabinfo. `major` is the version of the last header seen (undefined when
 * the dump has none, e.g. `grep` output: the layout is then told by the columns).
 */
export function parseSlabinfoLine(line: string, major?: number): SlabinfoLine | undefined {
  const v = VERSION.exec(line);
  if (v) {
    return {
      kind: 'version',
      version: `${Number(v[1])}.${Number(v[2])}`,
      major: Number(v[1]),
      spans: [
        { character: 0, length: 8, kind: 'keyword' },
        { character: 20, length: v[0].length - 20, kind: 'number' },
      ],
    };
  }
  if (COLUMN_HEADER.test(line)) return { kind: 'columns', spans: [{ character: 0, length: line.trimEnd().length, kind: 'prefix' }] };

  let cols = columns(line, 48);
  if (major !== undefined && major < 2 && uint(cols[1]) === undefined) cols = withSpacedName(cols, line) ?? cols;
  if (cols.length < 3 || !cacheName(cols[0]) || uint(cols[1]) === undefined) return undefined;
  const name = cols[0];
  const nums: number[] = [];
  for (let i = 1; i < cols.length && nums.length < 6; i++) {
    const n = uint(cols[i]);
    if (n === undefined) break;
    nums.push(n);
  }
  const spans: Span[] = [span(name, 'cache')];
  const slabdata = cols.findIndex((c, i) => i > 5 && c.text === 'slabdata');
  const hasTunables = cols.some((c, i) => i > 5 && c.text === 'tunables');
  const v1 = major !== undefined ? major < 2 : !hasTunables && slabdata < 0 && nums.length === 6 && onlyV1Tail(cols);

  if (v1) {
    if (nums.length < 6) return rowLike(cols) ? cut(cols, spans, line) : undefined;
    const [activeObjs, numObjs, objSize, activeSlabs, numSlabs, pagesPerSlab] = nums;
    numberSpans(cols, 1, 7, spans, 3);
    for (let i = 7; i < cols.length; i++) if (uint(cols[i]) !== undefined) spans.push(span(cols[i], 'number'));
    return {
      kind: 'row',
      row: {
        name: name.text,
        activeObjs,
        numObjs,
        objSize,
        objPerSlab: numSlabs > 0 ? Math.round(numObjs / numSlabs) : 0,
        pagesPerSlab,
        activeSlabs,
        numSlabs,
        nameStart: name.start,
        nameEnd: name.end,
        end: cols[cols.length - 1].end,
      },
      spans,
    };
  }

  // All three slabdata numbers: a row cut inside num_slabs would otherwise read as a smaller number.
  if (nums.length < 5 || slabdata < 0 || [1, 2, 3].some((k) => uint(cols[slabdata + k]) === undefined)) {
    return rowLike(cols) ? cut(cols, spans, line) : undefined;
  }
  const [activeObjs, numObjs, objSize, objPerSlab, pagesPerSlab] = nums;
  numberSpans(cols, 1, 6, spans, 3);
  for (let i = 6; i < cols.length; i++) {
    const c = cols[i];
    if (c.text === 'tunables' || c.text === 'slabdata' || c.text === 'globalstat' || c.text === 'cpustat') spans.push(span(c, 'keyword'));
    else if (uint(c) !== undefined) spans.push(span(c, 'number'));
  }
  return {
    kind: 'row',
    row: {
      name: name.text,
      activeObjs,
      numObjs,
      objSize,
      objPerSlab,
      pagesPerSlab,
      activeSlabs: uint(cols[slabdata + 1])!,
      numSlabs: uint(cols[slabdata + 2])!,
      nameStart: name.start,
      nameEnd: name.end,
      end: cols[cols.length - 1].end,
    },
    spans,
  };
}

/**
 * A 1.1 row whose name holds spaces (2.4 kernels named caches "file lock cache"): the columns with
 * the name's two or three words as one column. Only for a whole row after a 1.x header, so no
 * other line (prose, a prompt) is taken for a cache.
 */
function withSpacedName(cols: Column[], line: string): Column[] | undefined {
  const k = cols.findIndex((c) => uint(c) !== undefined);
  if (k < 2 || k > 3 || !cols.slice(0, k).every(cacheName) || /[:$#]/.test(line.slice(cols[0].start, cols[k - 1].end))) return undefined;
  const merged = [{ text: line.slice(cols[0].start, cols[k - 1].end), start: cols[0].start, end: cols[k - 1].end }, ...cols.slice(k)];
  if (merged.length < 7 || merged.slice(1, 7).some((c) => uint(c) === undefined) || !onlyV1Tail(merged)) return undefined;
  return merged;
}

/** After the six numbers of a 1.1 row only `: limit batchcount` may follow. */
function onlyV1Tail(cols: Column[]): boolean {
  if (cols.length === 7) return true;
  return cols.length === 10 && cols[7].text === ':' && uint(cols[8]) !== undefined && uint(cols[9]) !== undefined;
}

/** Every column after the name is a number or a slabinfo keyword: a row, however short. */
function rowLike(cols: Column[]): boolean {
  let numbers = 0;
  for (let i = 1; i < cols.length; i++) {
    const t = cols[i].text;
    if (uint(cols[i]) !== undefined) numbers++;
    else if (t !== ':' && t !== 'tunables' && t !== 'slabdata') return false;
  }
  return numbers >= 2;
}

function cut(cols: Column[], spans: Span[], line: string): SlabinfoLine {
  return { kind: 'cut', name: cols[0].text, nameStart: cols[0].start, nameEnd: cols[0].end, end: line.trimEnd().length, spans };
}

/** Number spans for columns [from, to), the column at `sizeAt` being a byte size. */
function numberSpans(cols: Column[], from: number, to: number, spans: Span[], sizeAt: number): void {
  for (let i = from; i < to && i < cols.length; i++) spans.push(span(cols[i], i === sizeAt ? 'size' : 'number'));
}

/** Does this line identify a /proc/slabinfo capture (header, column header or a full 2.x row)? */
export function isSlabinfoSignature(line: string): boolean {
  if (VERSION.test(line) || COLUMN_HEADER.test(line)) return true;
  if (line.indexOf(': slabdata') < 0) return false;
  const p = parseSlabinfoLine(line);
  return p?.kind === 'row';
}
