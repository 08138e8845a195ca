import { parseSlubDebug } from './server/src/analysis/formats/slubDebug';
import { slubDebugView } from './server/src/analysis/views/slubDebugView';
import fs from 'node:fs';
for (const n of ['19_arm32_3.4_trace_backtrace_module_registers_reconstructed','20_arm32_2.6.35_trace_function_entered_no_kallsyms_reconstructed','21_arm32_4.4_trace_unwinder_no_backtrace_header_reconstructed']) {
  const lines = fs.readFileSync(`test/fixtures/slub-debug/slub_debug_${n}.txt`,'utf8').split('\n');
  const v = slubDebugView(parseSlubDebug(lines));
  console.log(n, v.suspects.map(s=>[s.rank,s.verdict,s.site,s.count,s.bytes,s.line,s.stack]), v.findings.map(f=>[f.code,f.range.start.line,f.message]));
  console.log(v.frames.filter(f=>f.suspect).map(f=>f.frame.range.start.line));
}
