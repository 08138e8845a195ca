// A recorder in its own process, for the kill -9 test (recorderCore.test.ts): records this
// machine's /proc into argv[2] every argv[3] ms until it is killed.
import { SlabRecorderCore } from '../../../../client/src/slabPanel/recorderCore';

const [file, interval, slabinfo] = process.argv.slice(2);
const core = new SlabRecorderCore({ file, intervalMs: Number(interval), slabinfo: slabinfo !== 'meminfo-only', mode: 'w' });
core.onSnapshot = (n) => process.stdout.write(`snapshot ${n}\n`);
core.onError = (e) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
};
void core.start();
