// The CLI's human summary of input problems: the worst first, information too, at most ten lines.
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
