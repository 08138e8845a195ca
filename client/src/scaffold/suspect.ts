// What a kleak diagnostic says about its suspect, for the scaffolding code actions. Pure.
import { validateIdentifier } from './validate';

/**
 * The suspect function of a `leaked-object` diagnostic message
 * (`Leaked object 0x…: …; suspect blk_iolatency_init+0x1c/0x50 [mod] — …`), or undefined when
 * there is none or it is not a plain C identifier (an unresolved `0x…` address, a `.cold` clone
 * is cut to its function).
 */
export function suspectFunction(message: string): string | undefined {
  // The last one: a comm printed earlier in the message may contain the same words.
  const at = message.lastIndexOf('; suspect ');
  if (at < 0) return undefined;
  const m = /^[A-Za-z_][\w.$]*/.exec(message.slice(at + '; suspect '.length));
  if (!m) return undefined;
  const fn = m[0].split('.')[0];
  return validateIdentifier(fn) ? undefined : fn;
}

/** The object size of a `leaked-object` diagnostic message (`… (size 192)` or `192 bytes`). */
export function leakedObjectSize(message: string): number | undefined {
  const m = /\b(\d{1,9}) bytes\b/.exec(message) ?? /\(size (\d{1,9})\)/.exec(message);
  return m ? Number(m[1]) : undefined;
}
