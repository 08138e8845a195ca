// `kleak analyze` on allocation traces (perf script, ftrace) as users run it: dist/cli.js.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fixturePath, fixtureText, fixturesIn, generatedPath } from '../helpers/fixtures';
import { kleak } from '../helpers/cli';


const json = (...args: string[]) => {
  const r = kleak('analyze', '--json', ...args);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-traces-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const PERF_EVENT = /\b(?:kmem:(?:kmalloc|kmalloc_node|kmem_cache_alloc|kmem_cache_alloc_node|kfree|kmem_cache_free|mm_page_alloc|mm_page_free)|probe:kmem_cache_alloc)\b/;
const FTRACE_EVENT = /: (?:kmalloc|kmalloc_node|kmem_cache_alloc|kmem_cache_alloc_node|kfree|kmem_cache_free|mm_page_alloc|mm_page_free): /;

describe('kleak analyze on traces', () => {
  it('detects every perf script and ftrace fixture and counts its events as records', () => {
    for (const [folder, format, re] of [['perf_script', 'perf-script', PERF_EVENT], ['ftrace', 'ftrace', FTRACE_EVENT]] as const) {
      const files = fixturesIn(folder).map((f) => fixturePath(folder, f));
      const out = json(...files);
      out.forEach((rep: any, i: number) => {
        assert.equal(rep.format, format, files[i]);
        const lines = fs.readFileSync(files[i], 'utf8').split('\n');
        const report = /^ +\d+\.\d+% .* (?:call_site|ptr)=/;
        assert.equal(rep.records, lines.filter((l) => (re.test(l) && !l.startsWith('#') && !l.startsWith('[')) || report.test(l)).length, files[i]);
        for (const s of rep.suspects) {
          assert.deepEqual(Object.keys(s).sort(), ['bytes', 'count', 'line', 'rank', 'reason', 'site', 'stack', 'verdict']);
          assert.ok(['likely-leak', 'possible-leak', 'cache', 'transient'].includes(s.verdict));
          assert.ok(s.line >= 1 && s.line <= lines.length);
        }
        // Per-suspect findings are suspects, not input problems.
        assert.ok(rep.problems.every((p: any) => !/likely-leak|possible-leak/.test(p.message)));
      });
    }
  });

  it('ranks the socketpair leak first in a real 115 MB perf capture, read from .gz', () => {
    const [rep] = json('--top', '3', generatedPath('perf-kmem-socketpair-task.txt.gz'));
    assert.equal(rep.format, 'perf-script');
    assert.equal(rep.records, 139684);
    assert.equal(rep.suspects.length, 3);
    assert.deepEqual(rep.suspects[0].stack.slice(0, 6), ['sk_prot_alloc', 'sk_alloc', 'unix_create1', 'unix_create', '__sock_create', '__sys_socketpair']);
    assert.equal(rep.suspects[0].verdict, 'likely-leak');
    assert.equal(rep.suspects[0].count, 404);
  });

  it('finds no likely leak in the no-leak capture', () => {
    const [rep] = json(generatedPath('perf-kmem-no-leak-task.txt.gz'));
    assert.ok(rep.suspects.length > 0);
    assert.ok(rep.suspects.every((s: any) => s.verdict !== 'likely-leak'));
  });

  it('--since/--until keep the events of a time window', () => {
    const f = generatedPath('ftrace-kmem-socketpair-stacktrace.trace.gz');
    const [all] = json(f);
    const [win] = json('--since', '1280.2', '--until', '1280.4', f);
    assert.ok(win.records > 0 && win.records < all.records * 0.6, `${win.records} of ${all.records}`);
    assert.ok(win.suspects.every((s: any) => s.verdict !== 'likely-leak' || s.stack.includes('__sys_socketpair')));
    const [none] = json('--since', '99999', f);
    assert.equal(none.records, 0);
  });

  it('refuses bad time windows with a clear message', () => {
    for (const args of [['--since'], ['--since', 'soon'], ['--until', '-1'], ['--since', '5', '--until', '4']]) {
      const r = kleak('analyze', ...args, fixturePath('ftrace', 'ftrace_kmem_01_x86_ubuntu_5.4_kmem_cache_alloc_truncated.txt'));
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /--since|--until/);
    }
  });

  it('prints a human summary with verdicts, stacks and reasons', () => {
    const r = kleak('analyze', '--top', '2', generatedPath('perf-kmem-socketpair-system.txt.gz'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /perf-script, 43599 records/);
    assert.match(r.stdout, /#1 likely-leak +324 objects +365 KiB +sk_prot_alloc/);
    assert.match(r.stdout, /sk_prot_alloc ← sk_alloc ← unix_create1/);
    assert.match(r.stdout, /grows steadily/);
  });

  it('finds a trace after other output, and reads a gzip-compressed one', () => {
    const f = path.join(tmp, 'session.log');
    const noise = Array.from({ length: 3000 }, (_, i) => `[root@host ~]# step ${i}`);
    fs.writeFileSync(f, [...noise, fixtureText('ftrace', 'ftrace_local_11_trace_pipe_lost_events_6.18.txt')].join('\n'));
    const [rep] = json(f);
    assert.equal(rep.format, 'ftrace');
    assert.ok(rep.problems.some((p: any) => p.line === 3001 && /LOST|lost/.test(p.message)));
    const gz = path.join(tmp, 'perf.script.gz');
    fs.writeFileSync(gz, zlib.gzipSync(fixtureText('perf_script', 'perf_kmem_05_x86_rhel7_fio_kmem_cache_alloc_truncated_cols.txt')));
    const [z] = json(gz);
    assert.deepEqual([z.format, z.records], ['perf-script', 7]);
  });

  it('a forced format that does not fit says so', () => {
    const [rep] = json('--format', 'ftrace', fixturePath('perf_script', 'perf_kmem_01_ppc64_kmalloc_callchain.txt'));
    assert.equal(rep.records, 0);
    assert.ok(rep.problems.some((p: any) => p.severity === 'warning' && /No kmem events found/.test(p.message)));
  });
});
