// What the symbol-sources status bar item says, without vscode: the item's text and its
// tooltip as parts (Markdown, or plain text that the tooltip escapes — paths and messages).
import { SymbolSourceDto, SymbolSourcesStatus } from '../../server/src/protocol';

const LABELS: Record<SymbolSourceDto['setting'], string> = {
  vmlinux: 'vmlinux',
  moduleSearchPaths: 'modules',
  kernelSourceRoot: 'source',
  kallsyms: 'kallsyms',
  systemMap: 'System.map',
};

export interface TooltipPart {
  kind: 'markdown' | 'text';
  value: string;
}

/** `$(…) vmlinux · modules · kallsyms` and its tooltip, from the server's status. */
export function symbolStatusText(s: SymbolSourcesStatus): { text: string; tooltip: TooltipPart[] } {
  const used = s.sources.filter((x) => x.state === 'ok').map((x) => LABELS[x.setting]);
  const broken = s.sources.some((x) => x.state === 'error') || s.errors.length > 0;
  const icon = !s.trusted ? '$(shield)' : broken ? '$(warning)' : '$(symbol-method)';
  const text = `${icon} ${used.length ? used.join(' · ') : 'no symbol sources'}`;
  const parts: TooltipPart[] = [];
  const md = (value: string) => parts.push({ kind: 'markdown', value });
  const plain = (value: string) => parts.push({ kind: 'text', value });
  md('**kleak symbol sources**\n\n');
  for (const x of s.sources) {
    const mark = x.state === 'ok' ? '$(check)' : x.state === 'error' ? '$(error)' : '$(circle-slash)';
    md(`${mark} \`kleak.${x.setting}\`: `);
    plain(`${x.path ? `${x.path} — ` : ''}${x.detail}`);
    md('\n\n');
  }
  for (const e of s.errors) {
    md('$(error) ');
    plain(e);
    md('\n\n');
  }
  if (!s.trusted) md('$(shield) The workspace is not trusted: no external tool (addr2line, gdb) runs; only kallsyms/System.map lookups are done.\n\n');
  else if (s.tools.length === 0) md('$(warning) No addr2line, llvm-addr2line or gdb on PATH: frames cannot be resolved to lines.\n\n');
  else md(`Lines from \`${s.tools[0].kind}\`${s.tools.length > 1 ? ` (fallbacks: ${s.tools.slice(1).map((t) => `\`${t.kind}\``).join(', ')})` : ''}.\n\n`);
  md('Click to configure.');
  return { text, tooltip: parts };
}
