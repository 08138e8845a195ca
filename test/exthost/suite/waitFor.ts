// One poll loop for every extension-host suite: language features answer once the server has
// analysed a document, so tests wait for an answer instead of sleeping a guessed time.

/**
 * Poll `probe` until it gives something other than `undefined`. A probe that throws counts as
 * "not yet"; its last error is part of the timeout message.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
