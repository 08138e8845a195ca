// Keeps the analysis of every open capture, computed once per document version.
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeLines, formatById } from './analysis/formats/registry';
import { CaptureView } from './analysis/views/captureView';
import { splitLines } from './analysis/lineReader';

export class CaptureService {
  private readonly cache = new Map<string, { version: number; view: CaptureView }>();
  private readonly documents = new Map<string, TextDocument>();

  open(doc: TextDocument): void {
    this.documents.set(doc.uri, doc);
  }

  close(uri: string): void {
    this.documents.delete(uri);
    this.cache.delete(uri);
  }

  /** The view of a document, or undefined if its language is not a capture format. */
  view(uri: string): CaptureView | undefined {
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    const hit = this.cache.get(uri);
    if (hit && hit.version === doc.version) return hit.view;
    const format = formatById(doc.languageId);
    if (!format) return undefined;
    const view = analyzeLines(format, splitLines(doc.getText()));
    this.cache.set(uri, { version: doc.version, view });
    return view;
  }

  /** Every open capture with its view (for references and workspace symbols). */
  *all(): Generator<{ uri: string; view: CaptureView }> {
    for (const uri of this.documents.keys()) {
      const view = this.view(uri);
      if (view) yield { uri, view };
    }
  }
}
