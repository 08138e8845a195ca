// Code lenses carry plain JSON; this command turns it into VS Code's references peek.
import * as vscode from 'vscode';
import { SHOW_LOCATIONS_COMMAND, ShowLocationsArgs } from '../../server/src/protocol';

function isArgs(a: unknown): a is ShowLocationsArgs {
  const x = a as ShowLocationsArgs;
  return typeof x === 'object' && x !== null && typeof x.uri === 'string' && Array.isArray(x.locations) && typeof x.position?.line === 'number';
}

export function registerShowLocations(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(SHOW_LOCATIONS_COMMAND, async (args: unknown) => {
      if (!isArgs(args)) return;
      const toRange = (r: ShowLocationsArgs['locations'][number]['range']) =>
        new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
      await vscode.commands.executeCommand(
        'editor.action.showReferences',
        vscode.Uri.parse(args.uri),
        new vscode.Position(args.position.line, args.position.character),
        args.locations.map((l) => new vscode.Location(vscode.Uri.parse(l.uri), toRange(l.range))),
      );
    }),
  );
}
