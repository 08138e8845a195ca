// Bench: resolving 10,000 frames of the kmem_test module (built with debug info against
// Debian's kernel headers, as in the tests) to source lines. Prints the time and the number of
// addr2line processes, which must be one per section of the binary, not one per frame.
//   node --import tsx bench/symbolize.ts [frames]
import { FrameQuery, Symbolizer } from '../server/src/analysis/symbolize/symbolizer';
import { ToolRequest, execTool } from '../server/src/analysis/symbolize/toolRunner';
import { buildKmemTestModule, moduleFunctions } from '../test/helpers/kmemTestModule';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 10_000);
  const mod = await buildKmemTestModule();
  const fns = moduleFunctions(mod.ko);
  const queries: FrameQuery[] = [];
  for (let i = 0; queries.length < count; i++) {
    const f = fns[i % fns.length];
    queries.push({ symbol: f.name, offset: 1 + ((i * 7) % Math.max(1, f.kallsymsSize - 1)), size: f.kallsymsSize, module: 'kmem_test' });
  }
  const runs: ToolRequest[] = [];
  const s = new Symbolizer({ moduleSearchPaths: [mod.dir] }, { runner: (r) => (runs.push(r), execTool(r)) });
  const t0 = performance.now();
  const res = await s.resolve(queries);
  const cold = performance.now() - t0;
  const t1 = performance.now();
  await s.resolve(queries);
  const warm = performance.now() - t1;
  const resolved = [...res.values()].filter((r) => r.location).length;
  const sections = new Set(fns.map((f) => f.section)).size;
  console.log(
    `symbolize: ${count} frames (${res.size} distinct, ${resolved} resolved) in ${cold.toFixed(0)} ms cold, ${warm.toFixed(0)} ms cached; ` +
      `${runs.length} addr2line processes for ${sections} sections of kmem_test.ko`,
  );
  if (runs.length > sections) process.exitCode = 1;
}

void main();
