// The "Leak Suspects" tree: analysed file → suspect → stack frames / records, each record
// revealing its line in the capture.
import * as vscode from 'vscode';
import { FileAnalysis, SuspectDto } from '../../../server/src/protocol';
import { formatBytes, suspectSize } from '../../../server/src/analysis/units';

type Node =
  | { kind: 'file'; analysis: FileAnalysis }
  | { kind: 'suspect'; analysis: FileAnalysis; suspect: SuspectDto }
  | { kind: 'stack'; analysis: FileAnalysis; suspect: SuspectDto }
  | { kind: 'frame'; analysis: FileAnalysis; name: string; line: number }
  | { kind: 'records'; analysis: FileAnalysis; suspect: SuspectDto }
  | { kind: 'record'; analysis: FileAnalysis; line: number }
  | { kind: 'problems'; analysis: FileAnalysis }
  | { kind: 'problem'; analysis: FileAnalysis; line: number; message: string; severity: string };

const VERDICT_ICON: Record<string, string> = {
  'likely-leak': 'error',
  'possible-leak': 'warning',
  cache: 'database',
  transient: 'history',
  stable: 'pass',
};

export class SuspectsTree implements vscode.TreeDataProvider<Node> {
  private analyses: FileAnalysis[] = [];
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  /** Show an analysis (replacing an earlier one of the same file). */
  add(analysis: FileAnalysis): void {
    this.analyses = [analysis, ...this.analyses.filter((a) => a.path !== analysis.path)];
    this.changed.fire(undefined);
  }

  clear(): void {
    this.analyses = [];
    this.changed.fire(undefined);
  }

  get size(): number {
    return this.analyses.length;
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.analyses.map((analysis) => ({ kind: 'file', analysis }));
    const { analysis } = node;
    switch (node.kind) {
      case 'file': {
        const out: Node[] = analysis.suspects.map((suspect) => ({ kind: 'suspect', analysis, suspect }));
        if (analysis.problemCount > 0) out.push({ kind: 'problems', analysis });
        return out;
      }
      case 'suspect':
        return [
          { kind: 'stack', analysis, suspect: node.suspect },
          { kind: 'records', analysis, suspect: node.suspect },
        ];
      case 'stack':
        return node.suspect.stack.map((name) => ({ kind: 'frame', analysis, name, line: node.suspect.line }));
      case 'records':
        return (node.suspect.samples ?? [node.suspect.line]).map((line) => ({ kind: 'record', analysis, line }));
      case 'problems':
        return analysis.problems.map((p) => ({ kind: 'problem', analysis, ...p }));
      default:
        return [];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const { analysis } = node;
    const uri = vscode.Uri.file(analysis.path);
    const reveal = (line: number): vscode.Command => ({
      title: 'Reveal in capture',
      command: 'vscode.open',
      arguments: [uri, { selection: new vscode.Range(line, 0, line, 0), preview: true } satisfies vscode.TextDocumentShowOptions],
    });
    const C = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case 'file': {
        const item = new vscode.TreeItem(uri, C.Expanded);
        item.description = `${analysis.format} · ${analysis.records} records · ${formatBytes(analysis.bytes)}`;
        item.tooltip = `${analysis.path}\n${analysis.lines} lines, ${analysis.suspects.length} suspects, ${analysis.problemCount} input problems`;
        item.contextValue = 'kleak.analysedFile';
        return item;
      }
      case 'suspect': {
        const s = node.suspect;
        const item = new vscode.TreeItem(`#${s.rank} ${s.site}`, s.rank === 1 ? C.Expanded : C.Collapsed);
        item.description = `${s.verdict} · ${s.count} × · ${suspectSize(s.bytes, s.count)}`;
        item.tooltip = new vscode.MarkdownString().appendText(`${s.verdict}: ${s.reason}`);
        item.iconPath = new vscode.ThemeIcon(VERDICT_ICON[s.verdict] ?? 'circle-outline');
        item.command = reveal(s.line);
        return item;
      }
      case 'stack': {
        const item = new vscode.TreeItem('Stack', C.Collapsed);
        item.description = `${node.suspect.stack.length} frames`;
        item.iconPath = new vscode.ThemeIcon('list-tree');
        return item;
      }
      case 'frame': {
        const item = new vscode.TreeItem(node.name, C.None);
        item.iconPath = new vscode.ThemeIcon('symbol-function');
        item.command = reveal(node.line);
        return item;
      }
      case 'records': {
        const shown = node.suspect.samples?.length ?? 1;
        const item = new vscode.TreeItem('Records', C.Collapsed);
        item.description = shown < node.suspect.count ? `first ${shown} of ${node.suspect.count}` : `${shown}`;
        item.iconPath = new vscode.ThemeIcon('list-ordered');
        return item;
      }
      case 'record': {
        const item = new vscode.TreeItem(`line ${node.line + 1}`, C.None);
        item.iconPath = new vscode.ThemeIcon('go-to-file');
        item.command = reveal(node.line);
        return item;
      }
      case 'problems': {
        const item = new vscode.TreeItem('Input problems', C.Collapsed);
        item.description = `${analysis.problemCount}`;
        item.iconPath = new vscode.ThemeIcon('warning');
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(`line ${node.line + 1}: ${node.message}`, C.None);
        item.iconPath = new vscode.ThemeIcon(node.severity === 'error' ? 'error' : node.severity === 'warning' ? 'warning' : 'info');
        item.command = reveal(node.line);
        return item;
      }
    }
  }
}
