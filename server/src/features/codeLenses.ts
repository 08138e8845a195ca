import { CodeLens } from 'vscode-languageserver';
import { CaptureView } from '../analysis/views/captureView';
import { SHOW_LOCATIONS_COMMAND, ShowLocationsArgs } from '../protocol';

export function codeLenses(uri: string, view: CaptureView): CodeLens[] {
  return view.lenses.map((l) => {
    if (l.command) return { range: l.range, command: { title: l.title, command: l.command, arguments: [uri] } };
    const args: ShowLocationsArgs = {
      uri,
      position: l.range.start,
      locations: l.locations.map((range) => ({ uri, range })),
    };
    return { range: l.range, command: { title: l.title, command: SHOW_LOCATIONS_COMMAND, arguments: [args] } };
  });
}
