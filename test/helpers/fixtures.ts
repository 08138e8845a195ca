import fs from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');

export function fixturePath(...parts: string[]): string {
  return path.join(FIXTURES, ...parts);
}

export function fixtureText(...parts: string[]): string {
  return fs.readFileSync(fixturePath(...parts), 'utf8');
}

export function fixtureLines(...parts: string[]): string[] {
  return fixtureText(...parts).split(/\r?\n/);
}

/** Every kmemleak fixture (real reports copied from ../shared, see test/fixtures/SOURCES.md). */
export function kmemleakFixtures(): string[] {
  return fs.readdirSync(fixturePath('kmemleak')).filter((f) => f.endsWith('.txt')).sort();
}

/** Every fixture of a folder of test/fixtures (real captures, see test/fixtures/SOURCES.md). */
export function fixturesIn(folder: string): string[] {
  return fs.readdirSync(fixturePath(folder)).filter((f) => f.endsWith('.txt')).sort();
}

/** The labelled captures of ../shared/captures/generated (beside the repository; see its README). */
export const GENERATED = path.join(REPO_ROOT, '..', 'shared', 'captures', 'generated');

export function generatedPath(name: string): string {
  return path.join(GENERATED, name);
}
