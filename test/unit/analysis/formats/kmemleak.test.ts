import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseKmemleak } from '../../../../server/src/analysis/formats/kmemleak';
import { fixtureLines, kmemleakFixtures } from '../../../helpers/fixtures';

const headers = (lines: string[]) => lines.filter((l) => /unreferenced object 0x/.test(l)).length;

describe('kmemleak parser on every real report', () => {
  for (const name of kmemleakFixtures()) {
    it(`${name}: one object per header, ranges inside the document`, () => {
      const lines = fixtureLines('kmemleak', name);
      const r = parseKmemleak(lines);
      assert.equal(r.objects.length, headers(lines));
      assert.ok(r.objects.length > 0);
      for (const o of r.objects) {
        assert.match(lines[o.headerLine], /unreferenced object 0x/);
        assert.ok(o.endLine >= o.headerLine && o.endLine < lines.length);
        for (const f of o.frames) {
          const line = lines[f.range.start.line];
          assert.ok(f.symbolRange.end.character <= line.length, `${name}:${f.range.start.line} symbol range past the line`);
          const text = line.slice(f.symbolRange.start.character, f.symbolRange.end.character);
          assert.equal(text, f.symbol ?? `0x${f.address}`);
        }
      }
      for (const t of r.tokens) assert.ok(t.character + t.length <= lines[t.line].length, `token past end of line ${t.line}`);
    });
  }
});

describe('kmemleak variants', () => {
  it('pre-6.8 records: comm, pid, jiffies, age, addresses, modules, clone suffixes', () => {
    const r = parseKmemleak(fixtureLines('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt'));
    const [o] = r.objects;
    assert.equal(o.address, 'ffff8881675f7000');
    assert.equal(o.size, 192);
    assert.equal(o.comm, 'nvme');
    assert.equal(o.pid, 3711);
    assert.equal(o.jiffies, 4296033311);
    assert.equal(o.ageSeconds, 2272.976);
    assert.equal(o.hexDump.length, 2);
    assert.deepEqual(o.hexDump[0].bytes.slice(0, 4), [0x20, 0x59, 0x04, 0x92]);
    assert.equal(o.frames.length, 12);
    assert.deepEqual(
      { symbol: o.frames[0].symbol, offset: o.frames[0].offset, size: o.frames[0].size, address: o.frames[0].address },
      { symbol: 'kmem_cache_alloc_trace', offset: 0x10e, size: 0x220, address: '00000000adbc7c81' },
    );
    assert.equal(o.frames[5].module, 'nvme_tcp');
    assert.equal(r.objects[2].frames[5].symbol, 'nvme_tcp_setup_ctrl.cold.57');
    assert.deepEqual(r.problems, []);
  });

  it('6.8+ records: crc, frames without addresses, syzbot file:line and [inline]', () => {
    const r = parseKmemleak(fixtureLines('kmemleak', 'kmemleak_05_syzbot_vsock_crc_symbolized.txt'));
    const [o] = r.objects;
    assert.equal(o.crc, '45b79b1');
    assert.equal(o.ageSeconds, undefined);
    assert.equal(o.jiffies, 4294942797);
    const f0 = o.frames[0];
    assert.equal(f0.symbol, 'kmemleak_alloc_recursive');
    assert.equal(f0.address, undefined);
    assert.equal(f0.file, 'include/linux/kmemleak.h');
    assert.equal(f0.fileLine, 44);
    assert.equal(f0.inline, true);
    const alloc = o.frames.find((f) => f.symbol === 'kmem_cache_alloc_noprof')!;
    assert.equal(alloc.inline, false);
    assert.equal(alloc.offset, 0x397);
    assert.equal(alloc.file, 'mm/slub.c');
  });

  it('syzbot: the "executed programs" log line between reports is not part of any record', () => {
    const lines = fixtureLines('kmemleak', 'kmemleak_05_syzbot_vsock_crc_symbolized.txt');
    const r = parseKmemleak(lines);
    const foreign = lines.findIndex((l) => l.includes('executed programs'));
    assert.ok(foreign >= 0);
    assert.ok(r.objects.every((o) => foreign < o.headerLine || foreign > o.endLine));
    assert.ok(r.problems.some((p) => p.code === 'foreign-lines' && p.severity === 'information'));
  });

  it('32-bit MIPS addresses and a record cut mid-line', () => {
    const r = parseKmemleak(fixtureLines('kmemleak', 'kmemleak_07_mips_openwrt_kmodloader.txt'));
    assert.equal(r.objects[0].address, '80c93c80');
    assert.equal(r.objects[0].frames[0].address, '801526bc');
    assert.equal(r.objects[0].frames[0].symbol, '__kmalloc_track_caller');
    const last = r.objects[2];
    assert.equal(last.complete, false);
    assert.equal(last.frames.length, 0);
    const truncated = r.problems.find((p) => p.code === 'truncated-record');
    assert.equal(truncated?.range.start.line, last.headerLine);
    assert.equal(truncated?.severity, 'warning');
    assert.ok(r.problems.some((p) => p.code === 'cut-line' && p.range.start.line === 27));
  });

  it('32-bit ARM (R-Car, from a stable mail): the record survives the blank line the mail put before its backtrace', () => {
    const r = parseKmemleak(fixtureLines('kmemleak', 'kmemleak_15_arm32_rcar_pci_io_range_stable_mail.txt'));
    assert.equal(r.objects.length, 1);
    const o = r.objects[0];
    assert.deepEqual([o.address, o.size, o.comm, o.pid, o.ageSeconds], ['c328de40', 64, 'kworker/1:1', 21, 1484.67]);
    assert.equal(o.hexDump.length, 2);
    assert.equal(o.complete, true);
    // read off the mail: six frames, 32-bit addresses, innermost pci_register_io_range
    assert.deepEqual(o.frames.map((f) => f.address), ['ad758d10', '2c7f139e', 'f079ecc8', 'e999753b', 'a895b229', 'e451ddb0']);
    assert.equal(o.frames[0].symbol, 'pci_register_io_range');
    assert.equal(o.frames[5].symbol, 'rcar_pcie_probe');
    assert.equal(o.frames[2].symbol, 'devm_of_pci_get_host_bridge_resources.constprop.0');
  });

  it('an unresolved module address is a frame without symbol', () => {
    const r = parseKmemleak(fixtureLines('kmemleak', 'kmemleak_09_x86_5.4_module_poison6b_unresolved_addr.txt'));
    const f = r.objects[0].frames[1];
    assert.equal(f.symbol, undefined);
    assert.equal(f.address, 'ffffffffc08ea070');
    assert.ok(r.objects[0].hexDump.flatMap((h) => h.bytes).every((b) => b === 0x6b));
  });

  it('dmesg timestamps, caller ids and syslog prefixes around the same records', () => {
    const lines = fixtureLines('kmemleak', 'kmemleak_03_nvme_tcp_blk_iolatency.txt').filter((l) => l !== '');
    const plain = parseKmemleak(lines);
    const prefixes = [
      '[ 2272.976543] ', '[ 2272.976543] [T3711] ', 'Nov  7 06:07:22 host kernel: ', '<3>[   12.000001] ',
      // util-linux dmesg: --time-format iso, -x, -x -t, -d, -e, --time-format delta
      '2026-11-22T02:57:15,000000+00:00 ', 'kern  :err   : [ 2272.976543] ', 'kern  :err   : ', '[ 2272.976543 <    0.000012>] ', '[  +0.000012] ', '[<    0.000012>] ',
    ];
    for (const prefix of prefixes) {
      const r = parseKmemleak(lines.map((l) => prefix + l));
      assert.equal(r.objects.length, 3, prefix);
      assert.deepEqual(
        r.objects.map((o) => o.frames.map((f) => f.symbol)),
        plain.objects.map((o) => o.frames.map((f) => f.symbol)),
        prefix,
      );
      assert.equal(r.objects[0].comm, 'nvme');
      assert.equal(r.objects[0].frames[0].symbolRange.start.character, plain.objects[0].frames[0].symbolRange.start.character + prefix.length);
      assert.ok(r.tokens.some((t) => t.kind === 'prefix' && t.length === prefix.length));
    }
  });

  it('CRLF line ends, kmemleak announcements and old 0xffffffffffffffff terminators', () => {
    const text = [
      '[  615.164373] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)',
      'unreferenced object 0xffff88003b9e1b40 (size 64):',
      '  comm "swapper/0", pid 1, jiffies 4294667297 (age 1040.160s)',
      '  hex dump (first 32 bytes):',
      '    5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a  ZZZZZZZZZZZZZZZZ',
      '  backtrace:',
      '    [<ffffffff81711556>] kmemleak_alloc+0x26/0x50',
      '    [<ffffffff811bb5a3>] kmem_cache_alloc_trace+0x113/0x1e0',
      '    [<ffffffff81d33b91>] acpi_ds_build_internal_package_obj+0x2f/0x49',
      '    [<ffffffffffffffff>] 0xffffffffffffffff',
    ].join('\r\n');
    const r = parseKmemleak(text.split('\n'));
    assert.deepEqual(r.announcements, [{ line: 0, count: 2 }]);
    assert.equal(r.objects.length, 1);
    assert.deepEqual(r.objects[0].frames.map((f) => f.symbol), ['kmemleak_alloc', 'kmem_cache_alloc_trace', 'acpi_ds_build_internal_package_obj']);
  });

  it('joins a module wrapped by mail onto its own line, and skips an interleaved log line', () => {
    const text = [
      'unreferenced object 0xffff8881675f7000 (size 192):',
      '  comm "nvme", pid 3711, jiffies 4296033311 (age 2272.976s)',
      '  backtrace:',
      '    [<00000000adbc7c81>] kmem_cache_alloc_trace+0x10e/0x220',
      '    [<00000000486936b6>] nvme_tcp_setup_ctrl+0x70c/0xbe0',
      '[nvme_tcp]',
      'usb 1-1: new high-speed USB device number 2 using xhci_hcd',
      '    [<0000000056b79a25>] vfs_write+0x17e/0x9a0',
    ];
    const r = parseKmemleak(text);
    const o = r.objects[0];
    assert.deepEqual(o.frames.map((f) => f.symbol), ['kmem_cache_alloc_trace', 'nvme_tcp_setup_ctrl', 'vfs_write']);
    assert.equal(o.frames[1].module, 'nvme_tcp');
    assert.ok(r.problems.some((p) => p.code === 'wrapped-line' && p.range.start.line === 5));
    assert.ok(r.problems.some((p) => p.code === 'interleaved-line' && p.range.start.line === 6));
    assert.equal(o.endLine, 7);
  });

  it('decode_stacktrace.sh frames and arm64 stacks', () => {
    const r = parseKmemleak([
      'unreferenced object 0xffffff80c4b35e00 (size 128):',
      '  comm "kworker/u16:3", pid 97, jiffies 4294894112 (age 74.348s)',
      '  backtrace:',
      '    kmem_cache_alloc_trace (mm/slub.c:3234)',
      '    [<00000000c2d9dd9c>] __kmalloc+0x1b4/0x368',
      '    [<000000001bdbb2e8>] dwc3_gadget_ep_alloc_request+0x2c/0x70 [dwc3]',
      '    [<00000000d41f4a3e>] el0_svc_common.constprop.0+0x74/0x180',
    ]);
    const f = r.objects[0].frames;
    assert.equal(f[0].symbol, 'kmem_cache_alloc_trace');
    assert.equal(f[0].file, 'mm/slub.c');
    assert.equal(f[0].fileLine, 3234);
    assert.equal(f[2].module, 'dwc3');
    assert.equal(f.length, 4);
  });

  it('a record cut short and followed by ordinary dmesg ends there: no hint per later line', () => {
    const lines = fixtureLines('kmemleak', 'kmemleak_07_mips_openwrt_kmodloader.txt').slice(0, 27);
    const noise = Array.from({ length: 50 }, (_, i) => `[ 20380.${String(i).padStart(6, '0')}] br-lan: port 1(eth0) entered forwarding state`);
    const r = parseKmemleak([...lines, ...noise]);
    assert.equal(r.objects.length, 3);
    assert.ok(r.problems.some((p) => p.code === 'truncated-record' && p.range.start.line === 25));
    assert.equal(r.problems.filter((p) => p.code === 'interleaved-line').length, 0);
    assert.match(r.problems.find((p) => p.code === 'foreign-lines')!.message, /^50 lines outside kmemleak records/);
  });

  it('a file without records says so, and never throws on garbage', () => {
    const r = parseKmemleak(['hello', '\u0000\u0001binary', 'x'.repeat(100_000), 'unreferenced object 0x (size', '  backtrace:']);
    assert.equal(r.objects.length, 0);
    assert.ok(r.problems.some((p) => p.code === 'no-records' && p.severity === 'warning'));
  });
});
