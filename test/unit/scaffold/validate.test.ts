// Input validation of the scaffolding generators: hostile values are refused with a reason,
// by the validators and by every generator that would bake them into a file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ScaffoldInputError,
  validateCacheName,
  validateFileName,
  validateFtraceFilter,
  validateIdentifier,
  validateInteger,
  validatePid,
} from '../../../client/src/scaffold/validate';
import { SCAFFOLD_KINDS, generateScaffold } from '../../../client/src/scaffold/templates/index';
import { validateOption } from '../../../client/src/scaffold/templates/types';

/** Values that would inject shell, stap, bpftrace or C if they reached a generated file. */
const HOSTILE = [
  'd_alloc; rm -rf /',
  '$(x)',
  '`id`',
  "d_alloc'",
  'd_alloc"',
  'd_alloc\nrm -rf /',
  'd_alloc\r',
  '*/',
  '/*',
  'a*/b',
  'foo) { system("id") } probe begin (',
  '${HOME}',
  'a|b',
  'a&b',
  'a>b',
  'x\\',
  'a b',
  'a\tb',
  'a\u0000b',
  '../etc/passwd',
  '%{ printk("x") %}',
  '#include',
];

describe('validators refuse hostile values with a reason', () => {
  for (const v of HOSTILE) {
    it(`refuses ${JSON.stringify(v)} as function name, cache name and file name`, () => {
      for (const msg of [validateIdentifier(v), validateCacheName(v), validateFileName(v)]) {
        assert.equal(typeof msg, 'string', `accepted ${JSON.stringify(v)}`);
        assert.match(msg!, /contains|must|empty|cannot/);
      }
    });
  }

  it('names the offending character', () => {
    assert.match(validateIdentifier('d_alloc; rm -rf /')!, /contains ";"/);
    assert.match(validateIdentifier('d_alloc\nx')!, /a line break/);
    assert.match(validateCacheName('kmalloc 64')!, /a space/);
    assert.match(validateCacheName('a\u0007b')!, /control character U\+0007/);
    assert.match(validateCacheName('$(x)')!, /contains "\$"/);
  });

  it('accepts real kernel function names and real cache names', () => {
    for (const f of ['d_alloc', 'd_free', '__kmalloc', 'kmem_cache_alloc_noprof', '_x86_64', 'Z']) assert.equal(validateIdentifier(f), undefined, f);
    for (const c of ['dentry', 'kmalloc-64', 'kmalloc-rcl-1k', 'TCPv6', 'ext4_inode_cache', 'f2fs_xattr_entry-259:1', ':0000064', 'bio-312', 'UDP-Lite', 'nf_conntrack_expect'])
      assert.equal(validateCacheName(c), undefined, c);
  });

  it('refuses identifiers starting with a digit, empty and over-long names', () => {
    assert.match(validateIdentifier('1abc')!, /not starting with a digit/);
    assert.match(validateIdentifier('')!, /empty/);
    assert.match(validateIdentifier('a'.repeat(65))!, /longer than 64/);
    assert.match(validateCacheName('-x')!, /must/);
    assert.match(validateFileName('..')!, /cannot be/);
  });

  it('numbers: digits only, inside their range', () => {
    assert.equal(validateInteger('5', 'seconds', 1, 10), undefined);
    assert.match(validateInteger('0', 'seconds', 1, 10)!, /between 1 and 10/);
    assert.match(validateInteger('5; reboot', 'seconds', 1, 10)!, /whole number/);
    assert.match(validateInteger('-1', 'seconds', 0, 10)!, /whole number/);
    assert.match(validateInteger('1e3', 'seconds', 0, 10000)!, /whole number/);
    assert.match(validateInteger('0x10', 'seconds', 0, 10000)!, /whole number/);
    assert.equal(validatePid('4194304'), undefined);
    assert.match(validatePid('4194305')!, /between/);
    assert.match(validatePid('$$')!, /whole number/);
  });
});

describe('ftrace filters', () => {
  it('accepts the kernel filter syntax people use on kmem events', () => {
    for (const f of [
      '',
      'bytes_alloc == 1024',
      'bytes_req >= 512 && bytes_req < 4096',
      'name == "dentry"',
      '(bytes_alloc == 64 || bytes_alloc == 128) && common_pid != 1',
      'gfp_flags & 0x400',
      'call_site == 0xffffffff81234567',
    ])
      assert.equal(validateFtraceFilter(f), undefined, f);
  });

  it('refuses quotes, shell and unknown fields, with the reason', () => {
    assert.match(validateFtraceFilter("bytes_alloc == 1024' ; reboot ; '")!, /contains "'"/);
    assert.match(validateFtraceFilter('bytes_alloc == $(id)')!, /contains "\$"/);
    assert.match(validateFtraceFilter('bytes_alloc == 1024\necho 1 > /proc/sysrq-trigger')!, /line break/);
    assert.match(validateFtraceFilter('size == 64')!, /unknown field "size"/);
    assert.match(validateFtraceFilter('bytes_alloc 64')!, /needs a comparison/);
    assert.match(validateFtraceFilter('bytes_alloc == ')!, /needs a number/);
    assert.match(validateFtraceFilter('(bytes_alloc == 64')!, /without its "\)"/);
    assert.match(validateFtraceFilter('bytes_alloc == 64 bytes_req == 2')!, /where && or \|\| was expected/);
    assert.match(validateFtraceFilter('bytes_alloc == "x"')!, /Only the field name/);
    assert.match(validateFtraceFilter('name > "x"')!, /only be compared with == or !=/);
  });
});

describe('every generator refuses every hostile value of every text option', () => {
  for (const kind of SCAFFOLD_KINDS) {
    for (const spec of kind.options) {
      if (spec.type === 'boolean' || spec.type === 'choice') continue;
      it(`${kind.id} --${spec.name}`, () => {
        for (const v of HOSTILE) {
          assert.equal(typeof validateOption(spec, v), 'string', `${kind.id} ${spec.name} accepted ${JSON.stringify(v)}`);
          assert.throws(
            () => generateScaffold(kind.id, { [spec.name]: v }),
            (e: unknown) => e instanceof ScaffoldInputError && e.option === spec.name && e.message.length > 10,
            `${kind.id} generated a file with ${spec.name}=${JSON.stringify(v)}`,
          );
        }
      });
    }
  }

  it('choices and booleans take only their values', () => {
    assert.throws(() => generateScaffold('kmem-test-module', { allocator: 'kmalloc; rm -rf /' }), /must be one of kmalloc, vmalloc, kmem_cache/);
    assert.throws(() => generateScaffold('kmem-test-module', { leak: 'maybe' }), /yes or no/);
    assert.throws(() => generateScaffold('capture-drop-caches', { level: '3; reboot' }), /must be one of/);
  });

  it('unknown options are refused, not ignored', () => {
    assert.throws(() => generateScaffold('dalloc-stap', { allocc: 'kmalloc' }), /has no option "allocc"/);
    assert.throws(() => generateScaffold('no-such-kind'), /unknown scaffold kind/);
  });
});
