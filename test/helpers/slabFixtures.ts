// Slab/meminfo captures for tests: the copied public samples (test/fixtures/{slabinfo,slabtop,meminfo})
// and the generated 58-snapshot socketpair series, read in place from ../shared (see
// ../shared/captures/generated/README.md for how it was recorded and its ground truth).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { REPO_ROOT, fixturePath } from './fixtures';

export const SLAB_SERIES_DIR = path.join(REPO_ROOT, '..', 'shared', 'captures', 'generated', 'slab-socketpair');

export function generatedPath(name: string): string {
  return path.join(SLAB_SERIES_DIR, name);
}

/** Text of a generated capture (`.gz` inflated). */
export function generatedText(name: string): string {
  const buf = fs.readFileSync(generatedPath(name));
  return name.endsWith('.gz') ? zlib.gunzipSync(buf).toString('utf8') : buf.toString('utf8');
}

export function generatedLines(name: string): string[] {
  return generatedText(name).split(/\r?\n/);
}

/** Every copied snapshot fixture as [folder, file] (folder: slabinfo, slabtop or meminfo). */
export function snapshotFixtures(): [string, string][] {
  const out: [string, string][] = [];
  for (const dir of ['slabinfo', 'slabtop', 'meminfo']) {
    for (const f of fs.readdirSync(fixturePath(dir)).sort()) if (f.endsWith('.txt')) out.push([dir, f]);
  }
  return out;
}

/** Ground truth of the socketpair series (README of the generated captures, and the kernel's cache flags). */
export const SOCKETPAIR = {
  /** Socket objects held by the leak: socket inodes, and AF_UNIX socks (merged by SLUB into signal_cache, same 1152-byte slot). */
  socketCaches: ['sock_inode_cache', 'signal_cache'],
  /** Also held per socketpair: files and their LSM blobs, the kmalloc'd per-socket data. */
  otherHeld: ['filp', 'lsm_file_cache', 'kmalloc-192'],
  /** Grow, but reclaimable (negative dentries from stat() of missing names, inode caches). */
  reclaimableGrowth: ['dentry', 'ext4_inode_cache', 'proc_inode_cache'],
  /** Shrink or stay put during the recording. */
  stable: ['buffer_head', 'radix_tree_node', 'kmalloc-512', 'TCP', 'task_struct', 'vmap_area'],
} as const;
