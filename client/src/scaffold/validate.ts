// Validation of every value that goes into a generated file. Pure: no vscode, no I/O.
//
// Generated files are C, Makefiles, systemtap, bpftrace and bash: a value is only ever accepted
// when it is made of characters that mean nothing special in any of them (letters, digits and a
// few punctuation marks that cannot quote, escape, comment, expand or end a statement). Each
// validator returns undefined for a good value, or the reason it is refused.

/** A C identifier: kernel function names, module names. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A slab cache name as /proc/slabinfo prints it: kmalloc-64, TCPv6, ext4_inode_cache, f2fs_xattr_entry-259:1, :0000064. */
const CACHE = /^[A-Za-z0-9_:][A-Za-z0-9_.:-]*$/;
/** A file or folder name without path separators. */
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The first character that cannot go into a generated file, described for a message. */
function firstBadCharacter(value: string, allowed: RegExp): string | undefined {
  for (const ch of value) {
    if (!allowed.test(ch)) {
      if (ch === '\n' || ch === '\r') return 'a line break';
      if (ch === ' ' || ch === '\t') return 'a space';
      const code = ch.codePointAt(0)!;
      if (code < 0x20 || code === 0x7f) return `the control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
      return `"${ch}"`;
    }
  }
  return undefined;
}

const MAX_NAME = 64;

function checkName(value: string, what: string, whole: RegExp, char: RegExp, rule: string): string | undefined {
  if (value.length === 0) return `The ${what} is empty.`;
  if (value.length > MAX_NAME) return `The ${what} is longer than ${MAX_NAME} characters.`;
  if (whole.test(value)) return undefined;
  const bad = firstBadCharacter(value, char);
  return bad ? `The ${what} contains ${bad}: ${rule}.` : `The ${what} must ${rule.replace(/^only /, 'use only ')}.`;
}

/** A kernel function or module name (C identifier). */
export function validateIdentifier(value: string, what = 'function name'): string | undefined {
  return checkName(value, what, IDENTIFIER, /[A-Za-z0-9_]/, 'only letters, digits and "_" are allowed, not starting with a digit');
}

/** A slab cache name. */
export function validateCacheName(value: string): string | undefined {
  return checkName(
    value,
    'cache name',
    CACHE,
    /[A-Za-z0-9_.:-]/,
    'only letters, digits and "_", ".", ":", "-" are allowed (as in /proc/slabinfo), not starting with "." or "-"',
  );
}

/** A file or folder name (one path component). */
export function validateFileName(value: string, what = 'file name'): string | undefined {
  if (value === '.' || value === '..') return `The ${what} cannot be "${value}".`;
  return checkName(value, what, FILE_NAME, /[A-Za-z0-9_.-]/, 'only letters, digits and "_", ".", "-" are allowed, not starting with "." or "-"');
}

/** A whole number in [min, max], given as decimal digits only. */
export function validateInteger(value: string, what: string, min: number, max: number): string | undefined {
  const v = value.trim();
  if (!/^\d{1,15}$/.test(v)) return `The ${what} must be a whole number (digits only), got "${value.slice(0, 40)}".`;
  const n = Number(v);
  if (n < min || n > max) return `The ${what} must be between ${min} and ${max}, got ${n}.`;
  return undefined;
}

/** A process id (1 … 4194304, the kernel's PID_MAX_LIMIT on 64-bit). */
export function validatePid(value: string): string | undefined {
  return validateInteger(value, 'pid', 1, 4_194_304);
}

/** Fields of the kmem allocation events that a filter may name. */
export const FILTER_FIELDS = ['call_site', 'ptr', 'bytes_req', 'bytes_alloc', 'gfp_flags', 'node', 'name', 'common_pid'] as const;

/**
 * An ftrace event filter over the kmem allocation events, in the subset of the kernel's filter
 * syntax that is safe to put into a shell script inside single quotes:
 *   `bytes_alloc == 1024`, `bytes_req >= 512 && bytes_req < 4096`, `name == "dentry"`,
 *   `(bytes_alloc == 64 || bytes_alloc == 128) && common_pid != 1`, `gfp_flags & 0x400`.
 * An empty filter means "no filter".
 */
export function validateFtraceFilter(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (value.length > 256) return 'The filter is longer than 256 characters.';
  const bad = firstBadCharacter(value, /[A-Za-z0-9_ ()=!<>&|".:-]/);
  if (bad) return `The filter contains ${bad}: use fields, numbers, "quoted cache names", comparisons (== != < <= > >= &), && || and parentheses.`;
  const TOKEN = /\s*(?:(0x[0-9a-fA-F]+|\d+)|("[A-Za-z0-9_.:-]*")|([A-Za-z_][A-Za-z0-9_]*)|(==|!=|<=|>=|<|>|&&|\|\||&)|([()]))/y;
  type Kind = 'num' | 'str' | 'field' | 'op' | 'logic' | '(' | ')';
  const tokens: { kind: Kind; text: string }[] = [];
  let pos = 0;
  while (pos < value.length) {
    if (/^\s*$/.test(value.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(value);
    if (!m) return `The filter cannot be read at column ${pos + 1} ("${value.slice(pos).trim().slice(0, 20)}").`;
    pos = TOKEN.lastIndex;
    if (m[1]) tokens.push({ kind: 'num', text: m[1] });
    else if (m[2]) tokens.push({ kind: 'str', text: m[2] });
    else if (m[3]) tokens.push({ kind: 'field', text: m[3] });
    else if (m[4]) tokens.push({ kind: m[4] === '&&' || m[4] === '||' ? 'logic' : 'op', text: m[4] });
    else tokens.push({ kind: m[5] as '(' | ')', text: m[5] });
  }
  // expr := term (logic term)* ; term := '(' expr ')' | field op value
  let i = 0;
  const fields = FILTER_FIELDS as readonly string[];
  const term = (): string | undefined => {
    const t = tokens[i];
    if (!t) return 'The filter ends where a comparison was expected.';
    if (t.kind === '(') {
      i++;
      const e = expr();
      if (e) return e;
      if (tokens[i]?.kind !== ')') return 'The filter has a "(" without its ")".';
      i++;
      return undefined;
    }
    if (t.kind !== 'field') return `The filter has "${t.text}" where a field name was expected.`;
    if (!fields.includes(t.text)) return `The filter names the unknown field "${t.text}" (known: ${fields.join(', ')}).`;
    const op = tokens[i + 1];
    if (op?.kind !== 'op') return `The filter needs a comparison (== != < <= > >= &) after "${t.text}".`;
    const v = tokens[i + 2];
    if (!v || (v.kind !== 'num' && v.kind !== 'str')) return `The filter needs a number or a "quoted name" after "${t.text} ${op.text}".`;
    if (v.kind === 'str' && op.text !== '==' && op.text !== '!=') return `A "quoted name" can only be compared with == or !=.`;
    if (v.kind === 'str' && t.text !== 'name') return `Only the field name takes a "quoted name"; ${t.text} takes a number.`;
    i += 3;
    return undefined;
  };
  const expr = (): string | undefined => {
    let e = term();
    if (e) return e;
    while (tokens[i]?.kind === 'logic') {
      i++;
      e = term();
      if (e) return e;
    }
    return undefined;
  };
  const e = expr();
  if (e) return e;
  if (i < tokens.length) return `The filter has "${tokens[i].text}" where && or || was expected.`;
  return undefined;
}

/** Throws a ScaffoldInputError when `msg` is set. */
export class ScaffoldInputError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
    this.name = 'ScaffoldInputError';
  }
}

export function check(option: string, msg: string | undefined): void {
  if (msg) throw new ScaffoldInputError(option, msg);
}
