// Content detection by first line, from the languages' `firstLine` in package.json (no vscode
// import: unit-tested in node).
import { CAPTURE_LANGUAGES } from './languages';

export interface LanguageContribution {
  id: string;
  firstLine?: string;
}

export function firstLinePatterns(packageJson: { contributes?: { languages?: LanguageContribution[] } }): { id: string; re: RegExp }[] {
  return (packageJson.contributes?.languages ?? [])
    .filter((l) => l.firstLine && (CAPTURE_LANGUAGES as readonly string[]).includes(l.id))
    .map((l) => ({ id: l.id, re: new RegExp(l.firstLine!) }));
}

/** The capture language a plain-text document's first line announces, if any. */
export function languageOfFirstLine(firstLine: string, patterns: { id: string; re: RegExp }[]): string | undefined {
  // A first line is short in any real capture; a huge one is not worth matching.
  const line = firstLine.length > 4096 ? firstLine.slice(0, 4096) : firstLine;
  return patterns.find((p) => p.re.test(line))?.id;
}
