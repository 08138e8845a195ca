// bpftrace map output is recognised by content (the head scan of the CLI and the file analysis,
// and VS Code's firstLine), nobody else's captures are taken for it, and its language is
// contributed under an id of its own.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { detectFormat, formatById } from '../../../../server/src/analysis/formats/registry';
import { CAPTURE_LANGUAGES } from '../../../../client/src/languages';
import { FIXTURES, REPO_ROOT, fixtureLines, fixturesIn } from '../../../helpers/fixtures';

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const LANG = 'bpftrace-output';
const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === LANG);
const firstLine = new RegExp(lang.firstLine);
const headFormat = (lines: string[]) => lines.slice(0, 5000).map((l) => detectFormat(l)).find((f) => f !== undefined)?.id;

describe('bpftrace map output is detected by content', () => {
  for (const name of fixturesIn('bpftrace')) {
    it(`bpftrace/${name} → bpftrace`, () => assert.equal(headFormat(fixtureLines('bpftrace', name)), 'bpftrace'));
  }

  it('no capture of another format is taken for bpftrace output, and no other language claims it', () => {
    for (const dir of fs.readdirSync(FIXTURES)) {
      if (dir === 'bpftrace' || !fs.statSync(path.join(FIXTURES, dir)).isDirectory()) continue;
      for (const name of fixturesIn(dir)) {
        const lines = fixtureLines(dir, name);
        assert.notEqual(headFormat(lines), 'bpftrace', `${dir}/${name}`);
        assert.ok(!firstLine.test(lines[0]), `${dir}/${name}: ${lines[0]}`);
      }
    }
    for (const name of fixturesIn('bpftrace')) {
      const first = fixtureLines('bpftrace', name)[0];
      for (const other of pkg.contributes.languages.filter((l: { id: string; firstLine?: string }) => l.id !== LANG && l.firstLine)) {
        assert.ok(!new RegExp(other.firstLine).test(first), `${other.id} also claims ${name}`);
      }
    }
  });

  it('firstLine recognises output that starts with bpftrace\'s "Attaching" line or a map entry', () => {
    const starts = fixturesIn('bpftrace').map((n) => fixtureLines('bpftrace', n)[0]);
    // 07 redirected stderr too: its first line is bpftrace's RLIMIT_MEMLOCK error; the head scan finds it.
    assert.deepEqual(starts.map((l) => firstLine.test(l)), [true, true, true, true, true, true, false]);
    for (const l of ['@allocs[bash, ', '@[', '@total: 24132', '@mode: count 3, average 1, total 3', '@h: ']) assert.ok(firstLine.test(l), l);
    for (const l of ['@bob: thanks', 'hello', '# tracer: nop', 'x'.repeat(4096)]) assert.ok(!firstLine.test(l), l.slice(0, 40));
  });

  it('package.json contributes the language with file patterns, firstLine, grammar and activation', () => {
    // Not "bpftrace": script extensions (bpftrace-vscode) own that id and source.bpftrace for .bt scripts.
    assert.deepEqual(lang.filenamePatterns, ['*.bpftrace.txt', '*.bpftrace-out', '*.bt.out', '*.bt.txt']);
    assert.ok(!pkg.contributes.languages.some((l: { id: string; extensions?: string[] }) => l.id !== LANG && l.extensions?.includes('.bt')));
    const grammar = pkg.contributes.grammars.find((g: { language: string }) => g.language === LANG);
    assert.equal(grammar.scopeName, 'source.bpftrace-output');
    assert.ok(fs.existsSync(path.join(REPO_ROOT, grammar.path)) && fs.existsSync(path.join(REPO_ROOT, lang.configuration)));
    assert.ok(pkg.activationEvents.includes(`onLanguage:${LANG}`));
    assert.ok((CAPTURE_LANGUAGES as readonly string[]).includes(LANG));
    assert.equal(formatById('bpftrace'), formatById(LANG));
    assert.equal(formatById(LANG)?.id, 'bpftrace');
  });
});
