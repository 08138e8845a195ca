// The ledger's input, recorded instead of applied: a worker reading one part of a capture
// records its allocations and frees in typed arrays (cheap to build and to transfer), and the
// reader of the whole capture replays the parts in file order into its one Ledger — the same
// calls in the same order as reading the file from start to end, so the same outcome.
import { AddressSpace, Ledger } from './ledger';

const OP_ALLOC = 0;
const OP_UNPAIRED = 1;
const OP_FREE = 2;
const OP_NULL_FREE = 3;
const SPACES: AddressSpace[] = ['slab', 'page', 'percpu'];
const SPACE_CODE: Record<AddressSpace, number> = { slab: 0, page: 1, percpu: 2 };

/** Recorded ledger calls: one entry per event, in the order they came. Plain data (transferable). */
export interface RecordedEvents {
  count: number;
  op: Uint8Array;
  space: Uint8Array;
  group: Int32Array;
  line: Int32Array;
  key: Float64Array;
  ts: Float64Array;
  bytes: Float64Array;
  requested: Float64Array;
}

function arrays(capacity: number): RecordedEvents {
  return {
    count: 0,
    op: new Uint8Array(capacity),
    space: new Uint8Array(capacity),
    group: new Int32Array(capacity),
    line: new Int32Array(capacity),
    key: new Float64Array(capacity),
    ts: new Float64Array(capacity),
    bytes: new Float64Array(capacity),
    requested: new Float64Array(capacity),
  };
}

/** Records what TraceCollector would hand its Ledger (the same three calls). */
export class EventRecorder {
  private r = arrays(4096);

  private next(op: number, group: number, space: AddressSpace, key: number, ts: number, bytes: number, requested: number, line: number): void {
    let r = this.r;
    if (r.count === r.op.length) r = this.r = grown(r);
    const i = r.count++;
    r.op[i] = op;
    r.space[i] = SPACE_CODE[space];
    r.group[i] = group;
    r.line[i] = line;
    r.key[i] = key;
    r.ts[i] = ts;
    r.bytes[i] = bytes;
    r.requested[i] = requested;
  }

  alloc(group: number, space: AddressSpace, key: number, ts: number, bytes: number, requested: number, line: number): void {
    this.next(OP_ALLOC, group, space, key, ts, bytes, requested, line);
  }

  allocUnpaired(group: number, ts: number, bytes: number, requested: number, line: number): void {
    this.next(OP_UNPAIRED, group, 'slab', 0, ts, bytes, requested, line);
  }

  free(space: AddressSpace, key: number | undefined, ts: number): void {
    this.next(key === undefined ? OP_NULL_FREE : OP_FREE, -1, space, key ?? 0, ts, NaN, NaN, 0);
  }

  /** What was recorded since the last take (trimmed to its length); starts afresh. */
  take(): RecordedEvents {
    const r = this.r;
    this.r = arrays(4096);
    const n = r.count;
    return {
      count: n,
      op: r.op.slice(0, n),
      space: r.space.slice(0, n),
      group: r.group.slice(0, n),
      line: r.line.slice(0, n),
      key: r.key.slice(0, n),
      ts: r.ts.slice(0, n),
      bytes: r.bytes.slice(0, n),
      requested: r.requested.slice(0, n),
    };
  }
}

function grown(r: RecordedEvents): RecordedEvents {
  const g = arrays(r.op.length * 2);
  g.count = r.count;
  g.op.set(r.op);
  g.space.set(r.space);
  g.group.set(r.group);
  g.line.set(r.line);
  g.key.set(r.key);
  g.ts.set(r.ts);
  g.bytes.set(r.bytes);
  g.requested.set(r.requested);
  return g;
}

/** The buffers of a recording, to transfer it to another thread without copying. */
export function recordingBuffers(r: RecordedEvents): ArrayBuffer[] {
  return [r.op, r.space, r.group, r.line, r.key, r.ts, r.bytes, r.requested].map((a) => a.buffer as ArrayBuffer);
}

/**
 * Apply a recording to a ledger: groups through `groupOf` (the recorder's ids → the ledger's),
 * lines shifted by `lineOffset`, sequence numbers from `seqOffset` (one per event).
 */
export function replay(r: RecordedEvents, ledger: Ledger, groupOf: ArrayLike<number>, lineOffset: number, seqOffset: number): void {
  for (let i = 0; i < r.count; i++) {
    const space = SPACES[r.space[i]];
    switch (r.op[i]) {
      case OP_ALLOC:
        ledger.alloc(groupOf[r.group[i]], space, r.key[i], r.ts[i], r.bytes[i], r.requested[i], r.line[i] + lineOffset, seqOffset + i);
        break;
      case OP_UNPAIRED:
        ledger.allocUnpaired(groupOf[r.group[i]], r.ts[i], r.bytes[i], r.requested[i], r.line[i] + lineOffset);
        break;
      case OP_FREE:
        ledger.free(space, r.key[i], r.ts[i], seqOffset + i);
        break;
      default:
        ledger.free(space, undefined, r.ts[i], seqOffset + i);
    }
  }
}
