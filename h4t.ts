import { FORMATS, analyzeLines } from './server/src/analysis/formats/registry';
import fs from 'node:fs';
for (const [id, f] of [['vmallocinfo','vmallocinfo/vmallocinfo_05_x86_64_5.x_vmware_vm_jc_fixture_head.txt'],['vmallocinfo','vmallocinfo/vmallocinfo_07_arm32_4.x_ftl_kbox_unpurged_fragments.txt'],['allocinfo','allocinfo/allocinfo_07_handmade_full_format_two_dumps.txt'],['allocinfo','allocinfo/allocinfo_01_x86_64_6.15_ice_rx_three_dumps_mailwrapped.txt']] as const) {
  const lines = fs.readFileSync('test/fixtures/'+f,'utf8').split('\n');
  const a: any = analyzeLines(FORMATS.find(x=>x.id===id)!, lines);
  console.log(f, lines.length, JSON.stringify(a.folds));
}
