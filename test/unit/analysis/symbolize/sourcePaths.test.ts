// Debug-info paths mapped onto local source roots, never outside them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SourceMapper, cleanRelative, kernelRelativePath } from '../../../../server/src/analysis/symbolize/sourcePaths';

describe('source paths', () => {
  let tmp: string;
  let tree: string;
  let other: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kleak-src-'));
    tree = path.join(tmp, 'linux');
    other = path.join(tmp, 'module');
    for (const f of ['mm/slub.c', 'include/linux/slab.h', 'net/vmw_vsock/af_vsock.c']) {
      fs.mkdirSync(path.dirname(path.join(tree, f)), { recursive: true });
      fs.writeFileSync(path.join(tree, f), '/* */\n');
    }
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'kmem_test_main.c'), '\n');
    fs.writeFileSync(path.join(tmp, 'secret.c'), '\n');
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('relative, ./-prefixed and builder-absolute paths map onto the kernel tree', () => {
    const m = new SourceMapper(tree, [other]);
    assert.equal(m.localPath('mm/slub.c'), path.join(tree, 'mm/slub.c'));
    assert.equal(m.localPath('./include/linux/slab.h'), path.join(tree, 'include/linux/slab.h'));
    assert.equal(m.localPath('/build/reproducible-path/linux-6.1.90/mm/slub.c'), path.join(tree, 'mm/slub.c'));
    assert.equal(m.localPath('/usr/src/linux-headers-6.1.0-56-common/include/linux/slab.h'), path.join(tree, 'include/linux/slab.h'));
    assert.equal(m.localPath(path.join(other, 'kmem_test_main.c')), path.join(other, 'kmem_test_main.c'));
    assert.equal(m.localPath('mm/absent.c'), undefined);
  });

  it('never leaves the configured roots', () => {
    const m = new SourceMapper(tree, [other]);
    assert.equal(m.localPath(path.join(tmp, 'secret.c')), undefined, 'an existing file outside every root');
    assert.equal(m.localPath('../secret.c'), undefined);
    assert.equal(m.localPath('mm/../../secret.c'), undefined);
    assert.equal(m.localPath(`${tree}/../secret.c`), undefined);
    assert.equal(m.localPath('/etc/passwd'), undefined);
    assert.equal(m.localPath('mm/slub.c\u0000.png'), undefined);
    assert.equal(new SourceMapper(undefined, []).localPath(path.join(tree, 'mm/slub.c')), undefined, 'no roots, no files');
  });

  it('kernel-relative paths for web links', () => {
    assert.equal(kernelRelativePath('./mm/slub.c'), 'mm/slub.c');
    assert.equal(kernelRelativePath('/build/linux-6.1/net/vmw_vsock/af_vsock.c'), 'net/vmw_vsock/af_vsock.c');
    assert.equal(kernelRelativePath('/usr/src/linux-headers-6.1.0-56-common/include/linux/slab.h'), 'include/linux/slab.h');
    assert.equal(kernelRelativePath('/tmp/kleak-kmem_test-1/kmem_test_main.c'), undefined);
    assert.equal(kernelRelativePath('../mm/slub.c'), undefined);
    assert.equal(cleanRelative('a/./b//c.c'), 'a/b/c.c');
    assert.equal(cleanRelative('/abs'), undefined);
  });
});
