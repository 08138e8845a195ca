// Issue 9: links built from hostile captures. Real captures of every format with frames have
// their function names and printed source paths replaced by hostile text (URI schemes, HTML,
// path traversal, huge names); every document link, go-to-definition target and hover link the
// server produces must be an https URL of the configured web source browser or a file: URI inside
// the configured source root, and code lenses must only carry kleak's own commands with arguments
// of their documented shape — capture text never becomes a command id or a URI scheme.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CodeLens, DocumentLink, Hover, Location } from 'vscode-languageserver-protocol/node';
import { LspClient, REPO_ROOT } from './lspClient';
import { FORMATS, analyzeLines, formatById } from '../../server/src/analysis/formats/registry';
import { splitLines } from '../../server/src/analysis/lineReader';
import { SHOW_LOCATIONS_COMMAND, ShowLocationsArgs } from '../../server/src/protocol';
import { fixturePath } from '../helpers/fixtures';

const HUGE = `x${'A'.repeat(100_000)}`;
/** Text no kernel prints as a function name; some of it is made of characters frame parsers accept. */
const HOSTILE_NAMES = [
  'javascript:alert(1)',
  'command:workbench.action.terminal.new',
  '../../etc/passwd',
  '<img src=x onerror=alert(1)>',
  '</script><script>alert(1)</script>',
  '[x](command:workbench.action.quit)',
  '"onmouseover="alert(1)',
  'vscode://file/etc/passwd',
  'javascript.alert.1',
  '$command$workbench',
  '..',
];

/** Real captures with frames (and, for two, printed source paths), per format. */
const CAPTURES: { format: string; file: string[] }[] = [
  { format: 'kmemleak', file: ['kmemleak', 'kmemleak_05_syzbot_vsock_crc_symbolized.txt'] },
  { format: 'kmemleak', file: ['kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt'] },
  { format: 'perf-script', file: ['perf_script', 'perf_local_16_mm_page_alloc_free_callchain_6.18.txt'] },
  { format: 'ftrace', file: ['ftrace', 'ftrace_gen_21_socketpair_stacktrace_head.txt'] },
  { format: 'slub-debug', file: ['slub-debug', 'slub_debug_01_x86_5.4.44_trace_and_objects_remaining_dmesg.txt'] },
  { format: 'vmallocinfo', file: ['vmallocinfo', 'vmallocinfo_09_x86_64_6.18_generated_socketpair_hashed.txt'] },
  { format: 'page-owner', file: ['page-owner', 'page_owner_01_x86_qemu_5.x_head_with_prompt.txt'] },
  { format: 'allocinfo', file: ['allocinfo', 'allocinfo_07_handmade_full_format_two_dumps.txt'] },
  { format: 'bcc-memleak', file: ['bcc-memleak', 'bcc_memleak_01_bcc_example_kernel_allocators_4.x.txt'] },
  { format: 'bpftrace', file: ['bpftrace', 'bpftrace_local_04_kstack_perf_kmalloc1024_6.18.txt'] },
  { format: 'bpftrace', file: ['bpftrace', 'bpftrace_local_02_kmalloc64_stacks_script_6.18.txt'] },
];

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The capture with every other one of its frame functions renamed to a hostile name (so records
 * keep enough real frames to stay records), and its printed source paths made to leave the tree.
 */
function hostile(format: string, text: string, outside: string, first: number): string {
  const lines = splitLines(text);
  const view = analyzeLines(formatById(format)!, lines);
  const symbols = [...new Set(view.frames.map(({ frame }) => frame.symbol).filter((s): s is string => s !== undefined && /^[A-Za-z_]\w{3,}$/.test(s)))];
  assert.ok(symbols.length >= 2, `${format}: the capture has frame functions to rename`);
  let out = text;
  symbols.forEach((s, i) => {
    if (i % 2 === 0) return;
    // The first renamed function gets the 100 KB name in every capture; the others take turns.
    const name = i === 1 ? HUGE : HOSTILE_NAMES[(first + (i - 3) / 2) % (HOSTILE_NAMES.length - 1)];
    out = out.replace(new RegExp(`(?<![\\w.])${escapeRe(s)}(?![\\w])`, 'g'), () => name);
  });
  // Printed source files: one climbs out of the tree, one is an absolute path outside it.
  return out.replace(/\bkernel\/cred\.c\b/g, '../../outside/secret.c').replace(/\bsecurity\/security\.c\b/g, outside);
}

let tmp: string;
let root: string;
let outsideFile: string;
let declaredCommands: Set<string>;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-links-'));
  root = path.join(tmp, 'linux');
  for (const rel of ['mm/slub.c', 'mm/percpu.c', 'include/linux/slab.h', 'kernel/fork.c']) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), '// a kernel source file\n'.repeat(6000));
  }
  outsideFile = path.join(tmp, 'outside', 'secret.c');
  fs.mkdirSync(path.dirname(outsideFile), { recursive: true });
  fs.writeFileSync(outsideFile, 'secret\n'.repeat(4000));
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
  declaredCommands = new Set(pkg.contributes.commands.map((c) => c.command));
});
after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,511}$/;

/** Why a link target is not allowed, or undefined. */
function refused(target: string, template: string): string | undefined {
  if (target.startsWith('file://')) {
    const [file, fragment] = target.split('#');
    if (fragment !== undefined && !/^L\d+$/.test(fragment)) return `odd fragment ${fragment}`;
    const p = fileURLToPath(file);
    const rel = path.relative(root, p);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return `file outside the source root: ${p}`;
    if (!fs.existsSync(p)) return `no such file ${p}`;
    return undefined;
  }
  if (!target.startsWith('https://')) return 'neither https: nor file:';
  const [prefix, rest] = template.split('{version}');
  if (target.startsWith(prefix)) {
    const m = new RegExp(`^${escapeRe(prefix)}([A-Za-z0-9._-]+)${escapeRe(rest.split('{symbol}')[0])}(.*)$`).exec(target);
    if (m && IDENT.test(m[2])) return undefined;
    // Elixir's line links: /linux/<version>/source/<kernel path>#L<n>
    if (/^https:\/\/elixir\.bootlin\.com\/linux\/[A-Za-z0-9._-]+\/source\/[A-Za-z0-9_.+/-]+#L\d+$/.test(target) && !target.includes('/../')) return undefined;
  }
  return `not a link of the template ${template}`;
}

/** Targets of the Markdown links and autolinks of a hover (code spans and escaped brackets are text, not links). */
function linksIn(markdown: string): string[] {
  const text = markdown.replace(/`[^`]*`/g, '');
  const links = [...text.matchAll(/(?<!\\)\]\(<?([^)\s>]+)>?\)/g)].map((m) => m[1]);
  const autolinks = [...text.matchAll(/(?<!\\)<([A-Za-z][\w+.-]*:[^\s<>]*)>/g)].map((m) => m[1]);
  return [...links, ...autolinks];
}

for (const template of ['https://example.test/src/{version}/{symbol}', 'https://elixir.bootlin.com/linux/{version}/C/ident/{symbol}']) {
  describe(`hostile captures, source root configured, template ${template}`, () => {
    let client: LspClient;
    before(async () => {
      client = await LspClient.start({ settings: { kleak: { sourceUrlTemplate: template, kernelVersion: 'v6.1', kernelSourceRoot: root } } });
    });
    after(async () => {
      await client?.stop();
    });

    CAPTURES.forEach((c, k) => {
      it(`${c.format} ${c.file[1]}: links, definitions, hovers and lenses stay inside what is configured`, async () => {
        const format = formatById(c.format)!;
        const text = hostile(c.format, fs.readFileSync(fixturePath(...c.file), 'utf8'), outsideFile, k * 3);
        const uri = pathToFileURL(path.join(tmp, `hostile-${c.file[1]}`)).href;
        await client.open(uri, text, format.languageId);
        const lines = splitLines(text);
        const view = analyzeLines(format, lines);

        const links = await client.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri } }, 20_000);
        assert.ok(links.length > 0, 'the capture still has linked frames');
        for (const l of links) {
          const why = refused(l.target!, template);
          assert.equal(why, undefined, `link ${l.target!.slice(0, 200)}: ${why}`);
          assert.ok(l.target!.length < 2048, `link of ${l.target!.length} characters`);
        }

        // Definitions and hovers on every frame (a sample of them on big captures).
        const frames = view.frames.filter((_, i) => view.frames.length <= 60 || i % Math.ceil(view.frames.length / 60) === 0);
        for (const { frame } of frames) {
          const position = frame.symbolRange.start;
          const defs = await client.request<Location[] | Location | null>('textDocument/definition', { textDocument: { uri }, position }, 20_000);
          for (const d of defs === null ? [] : Array.isArray(defs) ? defs : [defs]) {
            const why = refused(d.uri, template);
            assert.equal(why, undefined, `definition ${d.uri.slice(0, 200)}: ${why}`);
          }
          const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position }, 20_000);
          const value = hover ? (typeof hover.contents === 'string' ? hover.contents : 'value' in hover.contents ? hover.contents.value : '') : '';
          for (const target of linksIn(value)) {
            const why = refused(target, template);
            assert.equal(why, undefined, `hover link ${target.slice(0, 200)}: ${why}`);
          }
        }

        const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } }, 20_000);
        for (const lens of lenses) {
          const cmd = lens.command!;
          assert.ok(declaredCommands.has(cmd.command), `lens command ${cmd.command.slice(0, 100)} is one of kleak's`);
          if (cmd.command === SHOW_LOCATIONS_COMMAND) {
            const args = cmd.arguments as [ShowLocationsArgs];
            assert.equal(args.length, 1);
            assert.equal(args[0].uri, uri);
            assert.ok(args[0].locations.every((l) => l.uri === uri));
            assert.deepEqual(Object.keys(args[0]).sort(), ['locations', 'position', 'uri']);
          } else {
            assert.deepEqual(cmd.arguments, [uri]);
          }
        }
        await client.close(uri);
      });
    });

    it('the syzbot capture links its printed files inside the source root, and never the file outside it', async () => {
      const text = hostile('kmemleak', fs.readFileSync(fixturePath('kmemleak', 'kmemleak_05_syzbot_vsock_crc_symbolized.txt'), 'utf8'), outsideFile, 0);
      assert.ok(text.includes('../../outside/secret.c') && text.includes(outsideFile), 'the capture names the outside file twice');
      const uri = pathToFileURL(path.join(tmp, 'syzbot-hostile.kmemleak')).href;
      await client.open(uri, text);
      const links = await client.request<DocumentLink[]>('textDocument/documentLink', { textDocument: { uri } }, 20_000);
      const local = links.filter((l) => l.target!.startsWith('file:'));
      assert.ok(local.some((l) => fileURLToPath(l.target!.split('#')[0]) === path.join(root, 'mm', 'slub.c')), 'mm/slub.c links into the tree');
      assert.ok(!links.some((l) => l.target!.includes('secret')), 'nothing links to the file outside the tree');
      for (const name of HOSTILE_NAMES.filter((n) => !/^[\w.$]+$/.test(n))) assert.ok(!links.some((l) => l.target!.includes(encodeURIComponent(name))), `no link carries ${name}`);
      await client.close(uri);
    });
  });
}

it('every format with frames is covered', () => {
  const withFrames = new Set(CAPTURES.map((c) => c.format));
  for (const f of FORMATS) {
    const kinds = ['slabinfo', 'slabtop', 'meminfo', 'buddyinfo'];
    if (!kinds.includes(f.id)) assert.ok(withFrames.has(f.id), `${f.id} has a hostile capture`);
  }
});
