// What an editor's line-by-line read of a capture's text reports (the reference that file
// analysis from disk, by bytes, in parts or from a cut .gz, is held to).
import { formatById } from '../../server/src/analysis/formats/registry';
import { splitLines } from '../../server/src/analysis/lineReader';

export function byLines(format: string, text: string) {
  const a = formatById(format)!.create({ detail: false });
  const lines = splitLines(text);
  if (lines.at(-1) === '') lines.pop();
  for (const l of lines) a.push(l);
  return a.finish();
}
