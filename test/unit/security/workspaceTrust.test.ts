// Issue 9, Workspace Trust: kleak declares limited support for untrusted workspaces, and every
// kleak.* setting that names a file, a folder, a program or a server — or the web page a link
// opens — is a restricted configuration, so a workspace cannot point it somewhere on its own. Every
// setting is classified here: a new one fails this test until it is restricted or exempted with a
// reason.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/fixtures';

interface Setting {
  type?: string | string[];
  description?: string;
  markdownDescription?: string;
  items?: { type?: string };
  enum?: unknown[];
}

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  capabilities?: { untrustedWorkspaces?: { supported?: unknown; description?: unknown; restrictedConfigurations?: string[] } };
  contributes: { configuration: { properties: Record<string, Setting> } | { properties: Record<string, Setting> }[] };
};
const SETTINGS: Record<string, Setting> = Object.assign({}, ...[pkg.contributes.configuration].flat().map((c) => c.properties));
const untrusted = pkg.capabilities?.untrustedWorkspaces;
const restricted = new Set(untrusted?.restrictedConfigurations ?? []);

/** Settings that stay unrestricted, and why that is safe. */
const UNRESTRICTED: Record<string, string> = {
  'kleak.kernelVersion': 'a tag; only [A-Za-z0-9._-] of it reaches a link, else `latest`',
  'kleak.recorder.intervalSeconds': 'a number, clamped to 1..3600',
  'kleak.prometheus.rangeMinutes': 'a number of minutes',
  'kleak.prometheus.cacheInstances': 'a count',
};

/** What a setting's name or description says about it naming a place or a program. */
const NAMES_A_PLACE = /\b(?:paths?|folders?|files?|directory|directories|executables?|programs?|binary|url|uri|server|host|command)\b/i;
const KEY_NAMES_A_PLACE = /(?:path|root|dir|folder|file|url|uri|exe|program|command|vmlinux|kallsyms|map|template|selector)/i;

function textOf(s: Setting): string {
  return `${s.description ?? ''} ${s.markdownDescription ?? ''}`;
}

describe('Workspace Trust', () => {
  it('untrusted workspaces: supported "limited", with a description of what is limited', () => {
    assert.equal(untrusted?.supported, 'limited');
    assert.equal(typeof untrusted?.description, 'string');
    assert.match(untrusted!.description as string, /untrusted/i);
    assert.ok((untrusted!.description as string).length > 40);
  });

  it('there are kleak settings to check', () => {
    assert.ok(Object.keys(SETTINGS).filter((k) => k.startsWith('kleak.')).length >= 10);
  });

  it('every restricted configuration is a declared setting', () => {
    for (const k of restricted) assert.ok(k in SETTINGS, `${k} is restricted but not declared`);
  });

  it('every kleak setting is either restricted or exempted with a reason', () => {
    for (const k of Object.keys(SETTINGS).filter((x) => x.startsWith('kleak.'))) {
      assert.ok(restricted.has(k) || k in UNRESTRICTED, `${k}: add it to restrictedConfigurations in package.json, or say here why a workspace may set it`);
      assert.ok(!(restricted.has(k) && k in UNRESTRICTED), `${k} is both restricted and exempted`);
    }
  });

  it('a setting that names a file, folder, program, server or web page is restricted, whatever its exemption says', () => {
    for (const [k, s] of Object.entries(SETTINGS)) {
      if (!k.startsWith('kleak.')) continue;
      const types = [s.type ?? []].flat();
      const textual = types.includes('string') || (types.includes('array') && s.items?.type === 'string');
      if (!textual || s.enum) continue;
      const names = NAMES_A_PLACE.test(k.replace(/^kleak\./, '')) || KEY_NAMES_A_PLACE.test(k.replace(/^kleak\./, '')) || NAMES_A_PLACE.test(textOf(s));
      if (names) assert.ok(restricted.has(k), `${k} names a place or a program but is not restricted`);
    }
  });

  it('the symbol-source, source-link and Prometheus settings in particular', () => {
    for (const k of ['kleak.vmlinux', 'kleak.moduleSearchPaths', 'kleak.kernelSourceRoot', 'kleak.kallsyms', 'kleak.systemMap', 'kleak.sourceUrlTemplate', 'kleak.prometheus.url', 'kleak.prometheus.selector']) {
      assert.ok(restricted.has(k), k);
    }
  });
});
