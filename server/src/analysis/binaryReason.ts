// What to tell the user about a file whose head is not text: what it is instead, and the command
// that makes a capture of it (lineReader only sniffs; the advice lives here).
import type { LineStats } from './lineReader';
import { shellWord } from './shellWord';

/** Why a file whose head is binary is not read, and what to do when it is text after all. */
export function binaryReason(stats: LineStats, file = 'FILE'): string {
  if (stats.compressed) {
    const input = file === '-' ? '' : ` ${shellWord(file)}`;
    return `${stats.compressed}-compressed data: decompress it on the way in, \`${stats.compressed} -dc${input} | kleak analyze -\` (kleak reads gzip itself)`;
  }
  if (!stats.utf16) return 'binary file, not a text capture';
  const gz = file.endsWith('.gz');
  const utf8 = gz ? file.replace(/(\.[^./]*)?\.gz$/, '.utf8$1') : file.replace(/(\.[^./]*)?$/, '.utf8$1');
  const convert = gz ? `zcat ${shellWord(file)} | iconv -f UTF-16 -t UTF-8 > ${shellWord(utf8)}` : `iconv -f UTF-16 -t UTF-8 ${shellWord(file)} > ${shellWord(utf8)}`;
  return `UTF-16 text (as Windows PowerShell's \`>\` writes it), not UTF-8: convert it with \`${convert}\` and analyse that`;
}
