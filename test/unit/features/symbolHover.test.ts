// The symbolisation part of a hover: notes keep symbol names and paths intact (Markdown
// characters escaped, not dropped), and a frame resolved to a line carries no "no line" note.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeMarkdown, resolutionMarkdown } from '../../../server/src/features/symbolHover';

/** What a Markdown renderer shows for backslash-escaped text. */
const rendered = (md: string) => md.replace(/\\([\\`*_[\]<>])/g, '$1');

describe('symbol hover', () => {
  it('notes keep underscores, brackets and backticks of symbol names and paths', () => {
    const note = 'kmem_test_new_item is not in /lib/modules/6.1.0-40-amd64/extra/kmem_test.ko; matched kmem_test_new_item.isra.0 (a clone of the same function).';
    const md = resolutionMarkdown({ sites: [], notes: [note] });
    assert.equal(md, `_${escapeMarkdown(note)}_`);
    assert.equal(rendered(md.slice(1, -1)), note);
    assert.ok(!md.includes('kmem test'), md);
    assert.equal(rendered(escapeMarkdown('a `b` [c] <d> *e* \\f')), 'a `b` [c] <d> *e* \\f');
    assert.equal(escapeMarkdown('two\nlines'), 'two lines');
  });
});
