// Preloaded by bench/run.mjs into the measured process: prints its peak RSS when it exits.
process.on('exit', () => {
  require('node:fs').writeSync(2, `\nKLEAK_BENCH_MAXRSS_KB ${process.resourceUsage().maxRSS}\n`);
});
