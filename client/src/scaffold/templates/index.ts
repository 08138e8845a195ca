// Every scaffold kind, one registry shared by the VS Code commands (and any other front end,
// such as a CLI). Pure: no vscode, no I/O.
import { BPFTRACE_KIND } from './bpftrace';
import { CAPTURE_KINDS } from './capture';
import { KMEM_TEST_KIND } from './kmemTest';
import { DALLOC_STAP_KIND, SLAB_STAP_KIND } from './stap';
import { OptionValue, ScaffoldKind, ScaffoldResult, resolveOptions } from './types';

export const SCAFFOLD_KINDS: readonly ScaffoldKind[] = [KMEM_TEST_KIND, DALLOC_STAP_KIND, SLAB_STAP_KIND, BPFTRACE_KIND, ...CAPTURE_KINDS];

export function scaffoldKind(id: string): ScaffoldKind | undefined {
  return SCAFFOLD_KINDS.find((k) => k.id === id);
}

/** Generates `id` with `given` options (defaults for the rest); throws ScaffoldInputError on a bad value. */
export function generateScaffold(id: string, given: Record<string, OptionValue | undefined> = {}): ScaffoldResult {
  const kind = scaffoldKind(id);
  if (!kind) throw new Error(`unknown scaffold kind "${id}" (known: ${SCAFFOLD_KINDS.map((k) => k.id).join(', ')})`);
  return kind.generate(resolveOptions(kind, given));
}

export type { OptionSpec, OptionValue, Options, ScaffoldKind, ScaffoldResult, GeneratedFile } from './types';
