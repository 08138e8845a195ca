// kleak's ELF reader against binutils on real files: the kmem_test module (relocatable, with
// debug info), this machine's programs (position-independent executables, maybe stripped),
// and broken files (which must be ElfErrors, never crashes).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ElfError, readBuildId, readElf } from '../../../../server/src/analysis/symbolize/elf';
import { SymbolTable } from '../../../../server/src/analysis/symbolize/faddr2line';
import { BuiltModule, buildKmemTestModule, moduleFunctions, moduleSections } from '../../../helpers/kmemTestModule';

function readelfBuildId(file: string): string | undefined {
  return /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', file], { encoding: 'utf8' }))?.[1];
}

describe('ELF reader', () => {
  let mod: BuiltModule;
  before(async () => {
    mod = await buildKmemTestModule();
  });

  it('kmem_test.ko: type, sections, build-id and debug info as readelf reports them', async () => {
    const elf = await readElf(mod.ko);
    assert.equal(elf.type, 'REL');
    assert.equal(elf.bits, 64);
    assert.equal(elf.littleEndian, true);
    assert.equal(elf.hasDebugInfo, true);
    assert.equal(elf.buildId, readelfBuildId(mod.ko));
    assert.match(elf.buildId!, /^[0-9a-f]{40}$/);
    assert.equal(await readBuildId(mod.ko), elf.buildId);
    const theirs = moduleSections(mod.ko).filter((s) => s.index > 0);
    assert.deepEqual(
      elf.sections.filter((s) => s.index > 0).map((s) => ({ index: s.index, name: s.name, size: s.size })),
      theirs,
    );
  });

  it('kmem_test.ko: every function symbol with readelf’s value and size, kallsyms lengths as faddr2line computes them', async () => {
    const elf = await readElf(mod.ko);
    const table = new SymbolTable(elf);
    const theirs = moduleFunctions(mod.ko);
    assert.equal(table.functionCount, theirs.length);
    for (const f of theirs) {
      const mine = table.named(f.name).find((x) => x.section.name === f.section && Number(x.value) === f.value);
      assert.ok(mine, `${f.name} in ${f.section}`);
      assert.equal(mine.elfSize, f.elfSize, f.name);
      assert.equal(mine.kallsymsSize, f.kallsymsSize, f.name);
    }
    assert.equal(table.named('kmem_test_fill').length, 2);
    assert.ok(table.sameFunction('kmem_test_leak_buffer').some((f) => f.name.endsWith('.cold')));
  });

  it("this machine's executables: build-ids as readelf reads them, node's exported functions as nm reads them", async () => {
    for (const bin of ['/usr/bin/addr2line', process.execPath]) {
      const real = fs.realpathSync(bin);
      const elf = await readElf(real);
      assert.ok(elf.type === 'DYN' || elf.type === 'EXEC', `${real}: ${elf.type}`);
      assert.equal(elf.buildId, readelfBuildId(real), `${real}: build-id`);
      if (bin !== process.execPath) continue;
      const nm = execFileSync('nm', ['-D', '--defined-only', real], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      const some = nm
        .split('\n')
        .map((l) => /^([0-9a-f]+) [TW] ([^@\s]+)(?:@\S*)?$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .slice(0, 50);
      assert.ok(some.length > 0, `${real} exports functions`);
      for (const m of some) {
        const hit = elf.symbols.find((s) => s.name === m[2] && s.value === BigInt(`0x${m[1]}`));
        assert.ok(hit, `${real}: ${m[2]} at ${m[1]}`);
      }
    }
  });

  it('broken files are ElfErrors: missing, not ELF, truncated, corrupt tables', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-elf-'));
    try {
      const bytes = fs.readFileSync(mod.ko);
      const cases: [string, Buffer | undefined][] = [
        ['missing', undefined],
        ['text', Buffer.from('unreferenced object 0xffff (size 8):\n')],
        ['magic-only', Buffer.from([0x7f, 0x45, 0x4c, 0x46])],
        ['header-only', bytes.subarray(0, 64)],
        ['half', bytes.subarray(0, bytes.length >> 1)],
        ['bad-class', Buffer.concat([bytes.subarray(0, 4), Buffer.from([9]), bytes.subarray(5)])],
      ];
      // Section header offset pointing far past the end.
      const far = Buffer.from(bytes);
      far.writeBigUInt64LE(0x7fffffffffffn, 40);
      cases.push(['shoff-past-end', far]);
      // Random bytes after a valid ELF header.
      const noise = Buffer.from(bytes);
      for (let i = 64; i < noise.length; i += 7) noise[i] = (i * 131) & 0xff;
      cases.push(['noise', noise]);
      for (const [name, content] of cases) {
        const file = path.join(tmp, name);
        if (content) fs.writeFileSync(file, content);
        await assert.rejects(readElf(file), ElfError, name);
      }
      await assert.rejects(readElf(tmp), ElfError, 'a folder');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
