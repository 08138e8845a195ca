// The CLI's human summary: input problems (the worst first, information too, at most ten lines),
// and suspects whose capture gives no sizes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeCaptureFile } from '../../server/src/analysis/captureFile';
import { JsonFileReport, humanReport, jsonReport, suspectTotals } from '../../server/src/cliReport';
import { fixturePath } from '../helpers/fixtures';

/** The problem lines of a human report. */
const problemLines = (text: string) => text.split('\n').filter((l) => /^ {4}(line \d+: |… and )/.test(l));

describe('kleak analyze (human): input problems', () => {
  it('a real SLUB log with errors, information and hints: errors first, then information; hints stay in --json', async () => {
    const file = fixturePath('slub-debug', 'slub_debug_05_ppc64_5.9next_object_already_free_callerid_interleaved.txt');
    const r = await analyzeCaptureFile(file);
    assert.ok(r.ok);
    const report = jsonReport(file, r.view);
    const text = humanReport(report, suspectTotals(r.view));
    const bySeverity = (s: string) => report.problems.filter((p) => p.severity === s).length;
    assert.ok(bySeverity('error') > 0 && bySeverity('information') > 0 && bySeverity('hint') > 0, 'the capture has all three');
    const shown = problemLines(text).map((l) => /: (error|warning|information): /.exec(l)![1]);
    assert.deepEqual(shown, [...Array(bySeverity('error')).fill('error'), ...Array(bySeverity('information')).fill('information')]);
    assert.match(text, new RegExp(`input problems: .*${bySeverity('hint')} hints?`), 'hints are counted');
  });

  it('/proc/meminfo, one snapshot: its only problem, the advice to record a series, is shown', async () => {
    const r = await analyzeCaptureFile('/proc/meminfo');
    assert.ok(r.ok);
    const text = humanReport(jsonReport('/proc/meminfo', r.view), suspectTotals(r.view));
    assert.match(text, /\n {4}line 1: information: Only one snapshot: growth needs two or more\. Record a series, e\.g\. "while sleep 10; do date; sudo cat \/proc\/slabinfo \/proc\/meminfo; done > slab-series\.txt"\./);
  });

  it('more than ten: the first ten by severity and line, then how many more', () => {
    const problems = Array.from({ length: 14 }, (_, i) => ({ line: 100 - i, severity: i % 2 ? 'warning' : 'information', message: `problem ${i}` })) as JsonFileReport['problems'];
    const report: JsonFileReport = { file: 'x', format: 'kmemleak', records: 0, problems, suspects: [] };
    const lines = problemLines(humanReport(report, { count: 0, bytes: 0 }));
    assert.equal(lines.length, 11);
    assert.deepEqual(lines.slice(0, 7).map((l) => /line (\d+): warning/.exec(l)?.[1]), ['87', '89', '91', '93', '95', '97', '99']);
    assert.deepEqual(lines.slice(7, 10), ['    line 88: information: problem 12', '    line 90: information: problem 10', '    line 92: information: problem 8']);
    assert.equal(lines[10], '    … and 4 more (--json lists them all)');
  });
});

describe('kleak analyze (human): suspects without sizes', () => {
  const human = async (file: string, top?: number) => {
    const r = await analyzeCaptureFile(file);
    assert.ok(r.ok);
    return { text: humanReport(jsonReport(file, r.view, top), suspectTotals(r.view)), view: r.view };
  };

  it('a kprobe trace without a size field: "size n/a" and "no sizes in the capture", not 0 B', async () => {
    const { text, view } = await human(fixturePath('ftrace', 'ftrace_kmem_05_x86_kprobe_kmem_cache_alloc_stacktrace_perf-tools.txt'));
    assert.deepEqual(view.suspects.map((s) => [s.count, s.bytes]), [[6, 0]]);
    assert.match(text, /: ftrace, 6 records, 1 suspect, no sizes in the capture\n/);
    assert.match(text, /\n {2}#1 possible-leak 6 objects +size n\/a {2}user_path_at_empty {2}\(line 2\)\n/);
    assert.doesNotMatch(text, /\b0 B\b/);
  });

  it('bpftrace counts with --top: the top N of M, no sizes', async () => {
    const { text } = await human(fixturePath('bpftrace', 'bpftrace_local_03_kstack_count_kmalloc_6.18.txt'), 2);
    assert.match(text, /: bpftrace, 56 records, the top 2 of 38 suspects, no sizes in the capture\n/);
  });

  it('sizes known: bytes as before, and a growth series keeps its 0 B rows', async () => {
    const { text } = await human(fixturePath('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt'));
    assert.match(text, /: kmemleak, 3 records, 576 B in 1 suspect\n/);
    const slab = await human(fixturePath('slabinfo', 'slabinfo_05_x86_64_dentry_growth_grep_before_after_permission_denied.txt'));
    assert.match(slab.text, /#1 stable +0 objects +0 B {2}dentry/);
  });
});
