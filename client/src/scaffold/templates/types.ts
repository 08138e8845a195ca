// The shape of a scaffold kind: its options (described once, for the VS Code prompts and any
// other front end) and a pure generator. No vscode, no I/O.
import {
  ScaffoldInputError,
  validateCacheName,
  validateFileName,
  validateFtraceFilter,
  validateIdentifier,
  validateInteger,
} from '../validate';

export type OptionValue = string | number | boolean;
export type Options = Record<string, OptionValue>;

interface OptionBase {
  /** The key in the options object (and `--name` on a command line). */
  name: string;
  /** Short prompt title. */
  title: string;
  /** One sentence shown under the prompt. */
  description: string;
  /** Only asked when another option has this value (otherwise its default is used). */
  when?: { option: string; value: string };
}

export type OptionSpec = OptionBase &
  (
    | { type: 'identifier'; default: string }
    | { type: 'cache'; default: string; optional?: boolean }
    | { type: 'integer'; default: number; min: number; max: number }
    | { type: 'choice'; default: string; choices: { value: string; label: string; detail: string }[] }
    | { type: 'boolean'; default: boolean }
    | { type: 'filter'; default: string }
    | { type: 'filename'; default: string }
  );

export interface GeneratedFile {
  /** Relative path with "/" separators, inside the target folder. */
  path: string;
  content: string;
  /** Shell scripts are made executable. */
  executable?: boolean;
}

export interface ScaffoldResult {
  files: GeneratedFile[];
  /** The file to open in the editor after writing (one of `files`). */
  main: string;
}

export interface ScaffoldKind {
  id: string;
  title: string;
  description: string;
  /** Which command offers it. */
  group: 'module' | 'stap' | 'bpftrace' | 'capture';
  options: OptionSpec[];
  generate(options: Options): ScaffoldResult;
}

/** Why `value` (as typed) is not acceptable for `spec`, or undefined when it is. */
export function validateOption(spec: OptionSpec, value: string): string | undefined {
  switch (spec.type) {
    case 'identifier':
      return validateIdentifier(value, spec.title.toLowerCase());
    case 'cache':
      return spec.optional && value === '' ? undefined : validateCacheName(value);
    case 'integer':
      return validateInteger(value, spec.title.toLowerCase(), spec.min, spec.max);
    case 'choice':
      return spec.choices.some((c) => c.value === value)
        ? undefined
        : `The ${spec.title.toLowerCase()} must be one of ${spec.choices.map((c) => c.value).join(', ')}.`;
    case 'boolean':
      return /^(true|false|yes|no|1|0)$/i.test(value) ? undefined : `The ${spec.title.toLowerCase()} must be yes or no.`;
    case 'filter':
      return validateFtraceFilter(value);
    case 'filename':
      return validateFileName(value, spec.title.toLowerCase());
  }
}

function coerce(spec: OptionSpec, raw: OptionValue): OptionValue {
  const text = String(raw);
  const msg = validateOption(spec, text);
  if (msg) throw new ScaffoldInputError(spec.name, msg);
  if (spec.type === 'integer') return Number(text.trim());
  if (spec.type === 'boolean') return /^(true|yes|1)$/i.test(text);
  return text;
}

/**
 * Every option of `kind`, from `given` or its default, each validated. Unknown option names are
 * refused (a typo must not silently fall back to a default).
 */
export function resolveOptions(kind: Pick<ScaffoldKind, 'id' | 'options'>, given: Record<string, OptionValue | undefined> = {}): Options {
  for (const key of Object.keys(given)) {
    if (!kind.options.some((o) => o.name === key)) {
      throw new ScaffoldInputError(key, `${kind.id} has no option "${key}" (options: ${kind.options.map((o) => o.name).join(', ') || 'none'}).`);
    }
  }
  const out: Options = {};
  for (const spec of kind.options) {
    const v = given[spec.name];
    out[spec.name] = coerce(spec, v === undefined ? spec.default : v);
  }
  return out;
}

export const str = (o: Options, k: string): string => String(o[k]);
export const num = (o: Options, k: string): number => Number(o[k]);
export const bool = (o: Options, k: string): boolean => o[k] === true;

/** A UTC stamp for file headers is deliberately absent: generated files are reproducible. */
export function header(lines: string[], comment: '#' | '//' | '/*'): string {
  if (comment === '/*') return `/*\n${lines.map((l) => (l ? ` * ${l}` : ' *')).join('\n')}\n */\n`;
  return lines.map((l) => (l ? `${comment} ${l}` : comment)).join('\n') + '\n';
}
