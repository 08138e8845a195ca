// The scaffolding commands: prompt for the options of a scaffold kind (quick picks and input
// boxes that validate as you type), generate it with the pure templates, write it into the
// workspace folder or the folder picked in the explorer — never overwriting a file without a
// modal confirmation — and open the main file. None of these commands runs a tool: the
// generated scripts are for the user to run (with sudo), so Workspace Trust has nothing to gate.
import * as vscode from 'vscode';
import { promises as fsp } from 'node:fs';
import { SCAFFOLD_KINDS, scaffoldKind } from './templates/index';
import { OptionSpec, OptionValue, Options, ScaffoldKind, ScaffoldResult, resolveOptions, validateOption } from './templates/types';
import { ScaffoldInputError, validateCacheName } from './validate';
import { cachesFromSlabinfo, looksLikeSlabinfo } from './slabinfo';
import { formatBytes } from '../../../server/src/analysis/units';

export const SCAFFOLD_COMMANDS = {
  kmemTest: 'kleak.generateKmemTestModule',
  dallocStap: 'kleak.generateDallocStap',
  slabStap: 'kleak.generateSlabBacktraceStap',
  bpftrace: 'kleak.generateBpftraceScript',
  capture: 'kleak.generateCaptureScript',
} as const;

/**
 * Arguments for running a command without some or all prompts (code actions, tests):
 * `options` are used as given (validated, not asked); `defaults` only pre-fill the prompts.
 */
export interface ScaffoldCommandArgs {
  kind?: string;
  options?: Record<string, OptionValue>;
  defaults?: Record<string, OptionValue>;
  /** Target folder (URI string). */
  folder?: string;
}

/** What a command did, returned for tests and callers: the files written, or why not. */
export interface ScaffoldCommandResult {
  written: string[];
  cancelled?: string;
}

class Cancelled extends Error {}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

interface CacheItem extends vscode.QuickPickItem {
  cache?: string;
}

/** Cache names from the live /proc/slabinfo (or /sys/kernel/slab without root) and open snapshots. */
async function cacheItems(): Promise<CacheItem[]> {
  const items: CacheItem[] = [{ label: '$(edit) Type a cache name…', alwaysShow: true }];
  const seen = new Set<string>();
  const add = (name: string, description: string, detail?: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    items.push({ label: name, cache: name, description, detail });
  };
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isClosed || doc.lineCount > 2_000_000) continue;
    const text = doc.getText();
    if (!looksLikeSlabinfo(text)) continue;
    const where = vscode.workspace.asRelativePath(doc.uri);
    for (const c of cachesFromSlabinfo(text, 200)) add(c.name, `open snapshot ${where}`, formatBytes(c.bytes));
  }
  const live = await readText('/proc/slabinfo');
  if (live) {
    for (const c of cachesFromSlabinfo(live, 300)) add(c.name, 'live /proc/slabinfo', formatBytes(c.bytes));
  } else {
    try {
      // /proc/slabinfo is root-only; /sys/kernel/slab lists the caches to anyone (aliases start with ":").
      for (const name of (await fsp.readdir('/sys/kernel/slab')).sort()) {
        if (!name.startsWith(':') && !validateCacheName(name)) add(name, 'live /sys/kernel/slab');
      }
    } catch {
      /* not Linux, or no sysfs: typing remains */
    }
  }
  return items;
}

async function askCache(spec: OptionSpec, title: string, def: string): Promise<string> {
  const pick = await vscode.window.showQuickPick(cacheItems(), {
    title,
    placeHolder: `${spec.description} Pick one, or type to filter.`,
    matchOnDescription: true,
    ignoreFocusOut: true,
  });
  if (!pick) throw new Cancelled('no cache picked');
  if (pick.cache) return pick.cache;
  const typed = await vscode.window.showInputBox({
    title,
    prompt: spec.description,
    value: def,
    ignoreFocusOut: true,
    validateInput: (v) => validateOption(spec, v),
  });
  if (typed === undefined) throw new Cancelled('no cache typed');
  return typed;
}

async function ask(kind: ScaffoldKind, spec: OptionSpec, def: OptionValue): Promise<OptionValue> {
  const title = `kleak: ${kind.title} — ${spec.title}`;
  switch (spec.type) {
    case 'choice': {
      const items = spec.choices.map((c) => ({ label: c.label, description: c.value === String(def) ? 'default' : undefined, detail: c.detail, value: c.value }));
      items.sort((a, b) => Number(b.value === String(def)) - Number(a.value === String(def)));
      const pick = await vscode.window.showQuickPick(items, { title, placeHolder: spec.description, ignoreFocusOut: true });
      if (!pick) throw new Cancelled(`no ${spec.title.toLowerCase()} picked`);
      return pick.value;
    }
    case 'boolean': {
      const items = [
        { label: 'Yes', value: true },
        { label: 'No', value: false },
      ].sort((a, b) => Number(b.value === def) - Number(a.value === def));
      const pick = await vscode.window.showQuickPick(items, { title, placeHolder: spec.description, ignoreFocusOut: true });
      if (!pick) throw new Cancelled(`no answer for ${spec.title.toLowerCase()}`);
      return pick.value;
    }
    case 'cache':
      return askCache(spec, title, String(def));
    default: {
      const v = await vscode.window.showInputBox({
        title,
        prompt: spec.description,
        value: String(def),
        ignoreFocusOut: true,
        validateInput: (text) => validateOption(spec, text),
      });
      if (v === undefined) throw new Cancelled(`no ${spec.title.toLowerCase()} given`);
      return v;
    }
  }
}

/** Asks for every option not given in `args.options`, in order, skipping those whose `when` does not hold. */
async function collectOptions(kind: ScaffoldKind, args: ScaffoldCommandArgs): Promise<Options> {
  const values: Record<string, OptionValue> = {};
  for (const spec of kind.options) {
    const given = args.options?.[spec.name];
    if (given !== undefined) {
      values[spec.name] = given;
      continue;
    }
    if (spec.when && String(values[spec.when.option]) !== spec.when.value) continue;
    values[spec.name] = await ask(kind, spec, args.defaults?.[spec.name] ?? spec.default);
  }
  return resolveOptions(kind, values); // validates the given ones too
}

/** What a command generates: one kind, or a pick among a group (the capture scripts). */
type Selection = { kind: string } | { group: ScaffoldKind['group']; title: string; placeHolder: string };

async function pickKind(sel: Selection, args: ScaffoldCommandArgs): Promise<ScaffoldKind> {
  const allowed = SCAFFOLD_KINDS.filter((k) => ('kind' in sel ? k.id === sel.kind : k.group === sel.group));
  if (args.kind) {
    const k = allowed.find((x) => x.id === args.kind);
    if (!k) throw new ScaffoldInputError('kind', `"${args.kind}" is not one of ${allowed.map((x) => x.id).join(', ')}.`);
    return k;
  }
  if (allowed.length === 1) return allowed[0];
  const s = sel as Extract<Selection, { group: unknown }>;
  const pick = await vscode.window.showQuickPick(
    allowed.map((k) => ({ label: k.title, detail: k.description, scaffold: k })),
    { title: s.title, placeHolder: s.placeHolder, ignoreFocusOut: true, matchOnDetail: true },
  );
  if (!pick) throw new Cancelled('no script picked');
  return pick.scaffold;
}

/** The folder to write into: the explorer's selection, the given one, the workspace folder, or one chosen. */
async function targetFolder(resource: vscode.Uri | undefined, args: ScaffoldCommandArgs): Promise<vscode.Uri> {
  if (args.folder) return vscode.Uri.parse(args.folder, true);
  if (resource) {
    const stat = await vscode.workspace.fs.stat(resource);
    return stat.type & vscode.FileType.Directory ? resource : vscode.Uri.joinPath(resource, '..');
  }
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 1) return folders[0].uri;
  if (folders.length > 1) {
    const f = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Workspace folder to write the generated files into' });
    if (!f) throw new Cancelled('no folder picked');
    return f.uri;
  }
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Generate here' });
  if (!chosen?.length) throw new Cancelled('no folder chosen');
  return chosen[0];
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes the files; asks (modal) before replacing any existing one. Each file is written to a
 * temporary name beside it and renamed into place, so a reader never sees half a file.
 */
async function writeFiles(folder: vscode.Uri, result: ScaffoldResult): Promise<vscode.Uri[]> {
  const targets = result.files.map((f) => ({ file: f, uri: vscode.Uri.joinPath(folder, ...f.path.split('/')) }));
  const existing: string[] = [];
  for (const t of targets) if (await exists(t.uri)) existing.push(t.file.path);
  let overwrite = false;
  if (existing.length) {
    const answer = await vscode.window.showWarningMessage(
      `${existing.length === 1 ? `${existing[0]} already exists` : `${existing.length} files already exist (${existing.join(', ')})`} in ${vscode.workspace.asRelativePath(folder)}. Overwrite?`,
      { modal: true, detail: 'The generated files replace them; nothing else is changed.' },
      'Overwrite',
    );
    if (answer !== 'Overwrite') throw new Cancelled('existing files kept');
    overwrite = true;
  }
  const written: vscode.Uri[] = [];
  for (const t of targets) {
    const dir = vscode.Uri.joinPath(t.uri, '..');
    await vscode.workspace.fs.createDirectory(dir);
    const name = t.file.path.split('/').pop()!;
    const tmp = vscode.Uri.joinPath(dir, `.${name}.kleak-${process.pid}-${Date.now()}.tmp`);
    await vscode.workspace.fs.writeFile(tmp, Buffer.from(t.file.content, 'utf8'));
    try {
      if (t.file.executable && tmp.scheme === 'file') await fsp.chmod(tmp.fsPath, 0o755);
      await vscode.workspace.fs.rename(tmp, t.uri, { overwrite });
    } catch (e) {
      await vscode.workspace.fs.delete(tmp).then(undefined, () => undefined);
      throw e;
    }
    written.push(t.uri);
  }
  return written;
}

function isArgs(a: unknown): a is ScaffoldCommandArgs {
  return typeof a === 'object' && a !== null && !Array.isArray(a) && !(a instanceof vscode.Uri);
}

/** One scaffold command: kind → options → folder → write → open. */
async function runScaffold(sel: Selection, first: unknown): Promise<ScaffoldCommandResult> {
  // From the explorer the first argument is the clicked resource;
  // from code actions and tests it is the args object.
  const resource = first instanceof vscode.Uri ? first : undefined;
  const args: ScaffoldCommandArgs = isArgs(first) ? first : {};
  try {
    const kind = await pickKind(sel, args);
    const options = await collectOptions(kind, args);
    const result = kind.generate(options);
    const folder = await targetFolder(resource, args);
    const written = await writeFiles(folder, result);
    const main = written[result.files.findIndex((f) => f.path === result.main)];
    if (main) await vscode.window.showTextDocument(main, { preview: false });
    void vscode.window.showInformationMessage(
      `kleak: generated ${result.files.map((f) => f.path).join(', ')} in ${vscode.workspace.asRelativePath(folder)}.`,
    );
    return { written: written.map((u) => u.toString()) };
  } catch (e) {
    if (e instanceof Cancelled) return { written: [], cancelled: e.message };
    if (e instanceof ScaffoldInputError) {
      void vscode.window.showErrorMessage(`kleak: ${e.message}`);
      return { written: [], cancelled: e.message };
    }
    const msg = e instanceof Error ? e.message : String(e);
    void vscode.window.showErrorMessage(`kleak: could not generate the files: ${msg}`);
    return { written: [], cancelled: msg };
  }
}

export function registerScaffoldCommands(context: vscode.ExtensionContext): void {
  const reg = (id: string, sel: Selection) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, (a?: unknown) => runScaffold(sel, a)));
  reg(SCAFFOLD_COMMANDS.kmemTest, { kind: 'kmem-test-module' });
  reg(SCAFFOLD_COMMANDS.dallocStap, { kind: 'dalloc-stap' });
  reg(SCAFFOLD_COMMANDS.slabStap, { kind: 'slab-backtrace-stap' });
  reg(SCAFFOLD_COMMANDS.bpftrace, { kind: 'bpftrace' });
  reg(SCAFFOLD_COMMANDS.capture, { group: 'capture', title: 'kleak: Generate capture script', placeHolder: 'Which capture script?' });
}
