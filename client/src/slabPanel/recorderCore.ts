// The recorder's sampling loop, without vscode: every interval it reads /proc/slabinfo and
// /proc/meminfo, appends one snapshot to the recording in a single write and flushes it to disk
// (fdatasync), so a crash or kill -9 loses at most the snapshot being written. /proc/vmallocinfo
// goes to a sibling file the same way (it is another format: kleak compares its dumps). Runs in the
// extension host (local or Remote-SSH: on the machine the workspace is on) and in tests.
import fs from 'node:fs';
import { MEMINFO, SLABINFO, VMALLOCINFO, snapshotText, vmallocinfoSnapshotText } from './recorderFormat';

export interface RecorderOptions {
  file: string;
  intervalMs: number;
  /** Record /proc/slabinfo too (false: meminfo only, for when it is not readable). */
  slabinfo: boolean;
  /** 'w' starts a new file (after the user agreed to overwrite), 'a' appends. */
  mode: 'w' | 'a';
  /** Also record /proc/vmallocinfo dumps into this file (always appended: never overwritten unasked). */
  vmallocinfoFile?: string;
  /** Where to read from (tests read fixtures, or deny /proc/slabinfo). */
  read?: ProcReader;
  now?: () => number;
}

/** Reads a /proc file as text. */
export type ProcReader = (path: string) => Promise<string>;

export const readProcFile: ProcReader = (p) => fs.promises.readFile(p, 'utf8');

/** Can this process read /proc/slabinfo? Resolves to the error code (EACCES, ENOENT) when not. */
export async function slabinfoReadable(read: ProcReader = readProcFile): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
  try {
    await read(SLABINFO);
    return { ok: true };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, code: err.code ?? 'ERROR', message: err.message };
  }
}

export class SlabRecorderCore {
  private fd: number | undefined;
  private vmallocFd: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private stopped = false;
  snapshots = 0;
  bytes = 0;
  readonly startedAt: number;
  onSnapshot: (count: number) => void = () => {};
  onError: (e: Error) => void = () => {};

  constructor(private readonly o: RecorderOptions) {
    this.startedAt = (o.now ?? Date.now)();
  }

  /** Opens the file and takes the first snapshot at once; throws when the file cannot be opened. */
  async start(): Promise<void> {
    this.fd = fs.openSync(this.o.file, this.o.mode);
    if (this.o.vmallocinfoFile) this.vmallocFd = fs.openSync(this.o.vmallocinfoFile, 'a');
    await this.sample();
    if (!this.stopped) this.timer = setInterval(() => void this.sample(), this.o.intervalMs);
  }

  /** One snapshot: read, append in one write, flush. A failing read or write stops the recorder. */
  async sample(): Promise<void> {
    if (this.busy || this.stopped || this.fd === undefined) return;
    this.busy = true;
    try {
      const read = this.o.read ?? readProcFile;
      const time = (this.o.now ?? Date.now)() / 1000;
      const [slabinfo, meminfo, vmallocinfo] = await Promise.all([
        this.o.slabinfo ? read(SLABINFO) : Promise.resolve(undefined),
        read(MEMINFO),
        this.vmallocFd !== undefined ? read(VMALLOCINFO) : Promise.resolve(undefined),
      ]);
      if (this.stopped || this.fd === undefined) return;
      const buf = Buffer.from(snapshotText({ time, slabinfo, meminfo }), 'utf8');
      writeAllAndFlush(this.fd, buf);
      if (this.vmallocFd !== undefined && vmallocinfo !== undefined) writeAllAndFlush(this.vmallocFd, Buffer.from(vmallocinfoSnapshotText({ time, vmallocinfo }), 'utf8'));
      this.snapshots++;
      this.bytes += buf.length;
      this.onSnapshot(this.snapshots);
    } catch (e) {
      this.stop();
      this.onError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const fd of [this.fd, this.vmallocFd]) {
      if (fd === undefined) continue;
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    this.fd = this.vmallocFd = undefined;
  }

  get running(): boolean {
    return !this.stopped && this.fd !== undefined;
  }
}

/** One write of the whole buffer (looping on short writes), then fdatasync. */
function writeAllAndFlush(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
  fs.fdatasyncSync(fd);
}
