// perf script and ftrace captures are recognised by content (the CLI's head scan and VS Code's
// firstLine), and nobody else's captures are taken for them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { detectFormat } from '../../../../server/src/analysis/formats/registry';
import { CAPTURE_LANGUAGES } from '../../../../client/src/languages';
import { FIXTURES, REPO_ROOT, fixtureLines, fixturesIn } from '../../../helpers/fixtures';

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const MINE: Record<string, string> = { perf_script: 'perf-script', ftrace: 'ftrace' };
const firstLine = (id: string) => new RegExp(pkg.contributes.languages.find((l: { id: string }) => l.id === id).firstLine);
const headFormat = (lines: string[]) => lines.slice(0, 5000).map((l) => detectFormat(l)).find((f) => f !== undefined)?.id;

describe('trace formats are detected by content', () => {
  for (const [dir, id] of Object.entries(MINE)) {
    for (const name of fixturesIn(dir)) {
      it(`${dir}/${name} → ${id}`, () => assert.equal(headFormat(fixtureLines(dir, name)), id));
    }
  }

  it('no capture of another format is taken for a trace', () => {
    for (const dir of fs.readdirSync(FIXTURES)) {
      if (MINE[dir] || !fs.statSync(path.join(FIXTURES, dir)).isDirectory()) continue;
      for (const name of fs.readdirSync(path.join(FIXTURES, dir)).filter((f) => f.endsWith('.txt'))) {
        const lines = fixtureLines(dir, name);
        assert.ok(!['perf-script', 'ftrace'].includes(headFormat(lines) ?? ''), `${dir}/${name}`);
        assert.ok(!firstLine('perf-script').test(lines[0]) && !firstLine('ftrace').test(lines[0]), `${dir}/${name}: ${lines[0]}`);
      }
    }
  });

  it('package.json contributes both languages with patterns, firstLine, grammar and activation', () => {
    for (const id of Object.values(MINE)) {
      const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === id);
      assert.ok(lang.filenamePatterns.length > 0 && lang.firstLine && fs.existsSync(path.join(REPO_ROOT, lang.configuration)), id);
      assert.ok(pkg.contributes.grammars.some((g: { language: string; path: string }) => g.language === id && fs.existsSync(path.join(REPO_ROOT, g.path))), id);
      assert.ok(pkg.activationEvents.includes(`onLanguage:${id}`), id);
      assert.ok((CAPTURE_LANGUAGES as readonly string[]).includes(id), id);
    }
    assert.deepEqual(pkg.contributes.languages.find((l: { id: string }) => l.id === 'ftrace').filenames, ['trace', 'trace_pipe']);
  });

  it('firstLine recognises traces whose first line is an event or a trace header (and no other language claims them)', () => {
    const expect: [string, string, string][] = [
      ['perf-script', 'perf_script', 'perf_kmem_01_ppc64_kmalloc_callchain.txt'],
      ['perf-script', 'perf_script', 'perf_kmem_05_x86_rhel7_fio_kmem_cache_alloc_truncated_cols.txt'],
      ['perf-script', 'perf_script', 'perf_local_12_F_tid_time_event_trace_6.18.txt'],
      ['perf-script', 'perf_script', 'perf_local_14_F_event_trace_6.18.txt'],
      ['perf-script', 'perf_script', 'perf_local_17_trace_kmem_maxstack_6.18.txt'],
      ['perf-script', 'perf_script', 'perf_gen_22_socketpair_system_flat_head.txt'],
      ['ftrace', 'ftrace', 'ftrace_kmem_01_x86_ubuntu_5.4_kmem_cache_alloc_truncated.txt'],
      ['ftrace', 'ftrace', 'ftrace_local_11_trace_pipe_lost_events_6.18.txt'],
      ['ftrace', 'ftrace', 'ftrace_gen_22_socketpair_stacktrace_nested_irq_excerpt.txt'],
    ];
    for (const [id, dir, file] of expect) {
      const first = fixtureLines(dir, file)[0];
      assert.ok(firstLine(id).test(first), `${id} firstLine on ${file}: ${first}`);
      for (const other of pkg.contributes.languages.filter((l: { id: string; firstLine?: string }) => l.id !== id && l.firstLine)) {
        assert.ok(!new RegExp(other.firstLine).test(first), `${other.id} also claims ${file}`);
      }
    }
    assert.ok(firstLine('ftrace').test('cpus=2'));
    for (const line of ['perf 1 [000] 1.0: sched:sched_switch: prev_comm=a', 'hello world', 'x'.repeat(4096), '# tracer', '  kworker/0:1-12 [000] 5.0: sched_switch: a']) {
      assert.ok(!firstLine('perf-script').test(line) && !firstLine('ftrace').test(line), line.slice(0, 40));
    }
  });
});
