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
