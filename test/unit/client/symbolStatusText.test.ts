// The symbol-sources status bar item: its text and tooltip for each kind of server status.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { symbolStatusText } from '../../../client/src/symbolStatusText';
import type { SymbolSourceDto, SymbolSourcesStatus } from '../../../server/src/protocol';

const unset = (setting: SymbolSourceDto['setting']): SymbolSourceDto => ({ setting, state: 'unset', detail: 'not set' });
const ALL: SymbolSourceDto['setting'][] = ['vmlinux', 'moduleSearchPaths', 'kernelSourceRoot', 'kallsyms', 'systemMap'];
const ADDR2LINE = { kind: 'addr2line', path: '/usr/bin/addr2line' };

function status(over: Partial<SymbolSourcesStatus> & { ok?: Partial<Record<SymbolSourceDto['setting'], string>>; bad?: Partial<Record<SymbolSourceDto['setting'], string>> }): SymbolSourcesStatus {
  const sources = ALL.map((setting): SymbolSourceDto => {
    if (over.ok?.[setting]) return { setting, state: 'ok', path: `/src/${setting}`, detail: over.ok[setting]! };
    if (over.bad?.[setting]) return { setting, state: 'error', path: `/src/${setting}`, detail: over.bad[setting]! };
    return unset(setting);
  });
  return { trusted: over.trusted ?? true, sources, tools: over.tools ?? [ADDR2LINE], errors: over.errors ?? [], runsTools: false };
}

const tooltipText = (s: SymbolSourcesStatus) => symbolStatusText(s).tooltip.map((p) => p.value).join('');

describe('symbol sources status bar text', () => {
  it('the text names the sources in use, with an icon for trust and problems', () => {
    const cases: [SymbolSourcesStatus, string][] = [
      [status({}), '$(symbol-method) no symbol sources'],
      [status({ trusted: false }), '$(shield) no symbol sources'],
      [status({ ok: { vmlinux: '1 functions', kallsyms: '9 symbols' } }), '$(symbol-method) vmlinux · kallsyms'],
      [status({ ok: { moduleSearchPaths: '3 modules found', kernelSourceRoot: 'local kernel tree', systemMap: '9 symbols' } }), '$(symbol-method) modules · source · System.map'],
      [status({ trusted: false, ok: { kallsyms: '9 symbols' }, bad: { vmlinux: 'not an ELF file' } }), '$(shield) kallsyms'],
      [status({ ok: { kallsyms: '9 symbols' }, bad: { vmlinux: 'not an ELF file' } }), '$(warning) kallsyms'],
      [status({ errors: ['kleak.vmlinux: "vmlinux" is not an absolute path'] }), '$(warning) no symbol sources'],
    ];
    for (const [s, text] of cases) assert.equal(symbolStatusText(s).text, text);
  });

  it('the tooltip lists every setting, the errors, and what runs', () => {
    const s = status({ ok: { kallsyms: '9 symbols, 1 modules' }, bad: { vmlinux: 'not an ELF file' }, errors: ['kleak.kernelSourceRoot: /x does not exist'] });
    const t = tooltipText(s);
    assert.ok(t.includes('$(check) `kleak.kallsyms`: /src/kallsyms — 9 symbols, 1 modules'), t);
    assert.ok(t.includes('$(error) `kleak.vmlinux`: /src/vmlinux — not an ELF file'), t);
    assert.ok(t.includes('$(circle-slash) `kleak.systemMap`: not set'), t);
    assert.ok(t.includes('$(error) kleak.kernelSourceRoot: /x does not exist'), t);
    assert.ok(t.includes('Lines from `addr2line`.'), t);
    // Paths and messages are plain text (escaped by the tooltip), the rest Markdown.
    assert.deepEqual(
      symbolStatusText(s).tooltip.filter((p) => p.kind === 'text').map((p) => p.value),
      ['/src/vmlinux — not an ELF file', 'not set', 'not set', '/src/kallsyms — 9 symbols, 1 modules', 'not set', 'kleak.kernelSourceRoot: /x does not exist'],
    );
    assert.match(tooltipText(status({ trusted: false })), /not trusted: no external tool/);
    assert.match(tooltipText(status({ tools: [] })), /No addr2line, llvm-addr2line or gdb on PATH/);
    assert.ok(tooltipText(status({ tools: [ADDR2LINE, { kind: 'llvm-addr2line', path: '/l' }, { kind: 'gdb', path: '/g' }] })).includes('Lines from `addr2line` (fallbacks: `llvm-addr2line`, `gdb`).'));
    assert.doesNotMatch(tooltipText(status({ trusted: false, tools: [] })), /No addr2line/, 'untrusted: tools do not matter');
  });
});
