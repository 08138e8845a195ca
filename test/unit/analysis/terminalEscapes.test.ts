// Terminal sequences in saved logs: this machine's own `dmesg --color=always`, and the sequences
// other terminal captures carry (cursor and line controls, character sets, OSC titles and links).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Dmesg, liveDmesg } from '../../helpers/liveDmesg';
import { hasTerminalEscape, stripTerminalEscapes } from '../../../server/src/analysis/terminalEscapes';
import { inputLine, inputLineState, rewritesLines } from '../../../server/src/analysis/inputLine';

describe('terminal escapes', () => {
  it("this machine's `dmesg --color=always`: stripped, each line is the line `dmesg` prints to a file (as root)", (t) => {
    const live = liveDmesg(t);
    if (!live) return;
    const dmesg: Dmesg = live;
    for (const args of [[], ['-x'], ['-T']]) {
      const plainOf = dmesg(...args);
      const coloured = dmesg('--color=always', ...args);
      assert.ok(coloured.filter(hasTerminalEscape).length > 50, `dmesg --color=always ${args.join(' ')} colours its lines`);
      const n = Math.min(plainOf.length, coloured.length) - 1; // the last line of a live buffer may differ
      assert.deepEqual(coloured.map(stripTerminalEscapes).slice(0, n), plainOf.slice(0, n), `dmesg --color=always ${args.join(' ')}`);
    }
  });

  it('cursor and erase controls, character sets, OSC titles and hyperlinks go; the text stays', () => {
    assert.equal(stripTerminalEscapes('\x1b[2K\x1b[1G[  12.5] kmemleak: \x1b[1;31mfound\x1b[m'), '[  12.5] kmemleak: found');
    assert.equal(stripTerminalEscapes('\x1b(B\x1b[0;10mSlab:   123 kB\x1b)0'), 'Slab:   123 kB');
    assert.equal(stripTerminalEscapes('\x1b]0;root@host: ~\x07$ cat /proc/slabinfo'), '$ cat /proc/slabinfo');
    assert.equal(stripTerminalEscapes('see \x1b]8;;https://example.org\x1b\\mm/slub.c\x1b]8;;\x1b\\ now'), 'see mm/slub.c now');
    assert.equal(stripTerminalEscapes('\x1b[?25l\x1b[38;5;214mdentry\x1b[39m\x1b[?25h'), 'dentry');
    assert.equal(stripTerminalEscapes('\x1b7saved\x1b8 \x1bMup'), 'saved up');
  });

  it('a plain line is returned as it is, and does not mark the input as rewritten', () => {
    const line = '[  12.5] kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)';
    const state = inputLineState();
    assert.equal(inputLine(line, state), line);
    assert.equal(rewritesLines(state), false);
    assert.equal(inputLine(`\x1b[32m${line.slice(0, 9)}\x1b[0m${line.slice(9)}`, state), line);
    assert.equal(rewritesLines(state), true, 'a coloured line: the file is read line by line');
  });
});
