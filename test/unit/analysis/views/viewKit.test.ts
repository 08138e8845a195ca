// Markdown helpers of the views: capture text in hovers shows as it is, and cannot format.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { code, md } from '../../../../server/src/analysis/views/viewKit';

describe('viewKit markdown', () => {
  it('code(): a code span of the text as it is (no backslashes: escapes do not work inside code spans)', () => {
    assert.equal(code('alloc_empty_file+0x5c'), '`alloc_empty_file+0x5c`');
    assert.equal(code('kmalloc-*'), '`kmalloc-*`');
  });

  it('code(): backticks in the text get a longer fence, newlines become spaces', () => {
    assert.equal(code('a`b'), '``a`b``');
    assert.equal(code('`x`'), '`` `x` ``');
    assert.equal(code('a ``` b'), '````a ``` b````');
    assert.equal(code('one\ntwo\r\nthree'), '`one two three`');
  });

  it('md(): Markdown punctuation of capture text is escaped outside code spans', () => {
    assert.equal(md('<img src=x> *bold* [link](y) a|b'), '\\<img src=x\\> \\*bold\\* \\[link\\](y) a\\|b');
  });
});
