// Stack normalisation: what remains of a stack once the allocator's own frames are gone is
// what tells two allocations apart, and its first frame is where to look for the leak.
import { Frame } from './model';
import { baseSymbol, isAllocatorSymbol, isTracingSymbol } from './symbols';

/** Name of a frame for grouping: base function name (offsets, clones dropped) or its address. */
export function frameKey(f: Frame): string {
  return f.symbol ? baseSymbol(f.symbol) : `0x${f.address ?? '?'}`;
}

export function isAllocatorFrame(f: Frame): boolean {
  return f.symbol !== undefined && isAllocatorSymbol(f.symbol);
}

/** A frame of the tracer that recorded the allocation (perf_trace_*, trace_event_raw_event_*, kprobe handlers). */
export function isTracingFrame(f: Frame): boolean {
  return f.symbol !== undefined && isTracingSymbol(f.symbol);
}

export interface NormalisedStack {
  /** Frames left after stripping the allocator frames at the top. */
  frames: Frame[];
  /** Their keys, innermost first. */
  keys: string[];
  /** Index in the original stack of the suspect frame (first frame outside the allocator). */
  suspectIndex: number;
}

/**
 * Strip the allocator frames from the innermost end of a stack. Only the leading run is
 * stripped: a `kmalloc` deep in a caller chain is not the allocator of this object.
 */
export function normaliseStack(frames: Frame[]): NormalisedStack {
  let i = 0;
  while (i < frames.length && (isAllocatorFrame(frames[i]) || isTracingFrame(frames[i]) || frames[i].unreliable)) i++;
  // An all-allocator stack (cut short) still gets a suspect: its outermost frame.
  if (i === frames.length && frames.length > 0) i = frames.length - 1;
  const kept = frames.slice(i);
  return { frames: kept, keys: kept.map(frameKey), suspectIndex: frames.length > 0 ? i : -1 };
}

/** Group signature: the normalised stack's keys. Offsets and clone suffixes do not split groups. */
export function stackSignature(n: NormalisedStack): string {
  return n.keys.join('\n');
}

/**
 * The same normalisation on frame keys (base symbols or `0x…` addresses), for traces that keep
 * keys rather than frames: returns the index of the suspect key (first one outside the allocator
 * and the tracer; the last one when every key is an allocator's), -1 for an empty stack.
 */
export function suspectKeyIndex(keys: readonly string[]): number {
  let i = 0;
  while (i < keys.length && !keys[i].startsWith('0x') && (isAllocatorSymbol(keys[i]) || isTracingSymbol(keys[i]))) i++;
  if (i === keys.length) return keys.length - 1;
  return i;
}
