// Byte patterns the kernel writes into memory (include/linux/poison.h), and what seeing
// them in a dump means.
export const POISON_BYTES: Record<number, string> = {
  0x6b: '`0x6b` POISON_FREE — the slab debugger filled the object when it was freed: this memory was freed (a use after free if something still reads it).',
  0xa5: '`0xa5` POISON_END — the last byte of a poisoned free object.',
  0x5a: '`0x5a` POISON_INUSE — allocated with slub_debug=P and never written by its owner.',
  0xbb: '`0xbb` SLUB_RED_INACTIVE — redzone of a free object.',
  0xcc: '`0xcc` SLUB_RED_ACTIVE — redzone of an allocated object; overwritten redzone means an out-of-bounds write.',
  0x00: '`0x00` — zeroed memory (kzalloc/__GFP_ZERO) that was never written, or a zero-initialised structure.',
};

/** SLUB fills the padding after an object's metadata with the POISON_INUSE value (mm/slub.c, POISON_INUSE in slab_pad_check). */
export const PADDING_FILL = '`0x5a` — SLUB\'s padding fill: the slab debugger fills the unused space after the objects and their metadata with 0x5a (the POISON_INUSE value) when it creates the slab; any other byte there is an out-of-bounds write.';

/** What `byte` means where it was seen: the same value means something else in the padding. */
export function poisonMeaning(byte: number, label?: string): string | undefined {
  if (byte === 0x5a && label === 'Padding') return PADDING_FILL;
  return POISON_BYTES[byte];
}

/** The poison pattern that fills at least half of `bytes`, if any. */
export function dominantPoison(bytes: number[], label?: string): { byte: number; share: number; meaning: string } | undefined {
  if (bytes.length === 0) return undefined;
  const counts = new Map<number, number>();
  for (const b of bytes) counts.set(b, (counts.get(b) ?? 0) + 1);
  let best: number | undefined;
  let bestCount = 0;
  for (const [b, c] of counts) {
    if (POISON_BYTES[b] !== undefined && c > bestCount) {
      best = b;
      bestCount = c;
    }
  }
  if (best === undefined || bestCount * 2 < bytes.length) return undefined;
  return { byte: best, share: bestCount / bytes.length, meaning: poisonMeaning(best, label)! };
}

/**
 * A dump that reaches the end of a freed object: POISON_FREE bytes closed by POISON_END
 * (`6b 6b … 6b a5`). The 0xa5 is a single byte, so it never dominates; it is worth saying.
 */
export function endsWithPoisonEnd(bytes: number[]): boolean {
  const n = bytes.length;
  return n >= 2 && bytes[n - 1] === 0xa5 && bytes[n - 2] === 0x6b;
}
