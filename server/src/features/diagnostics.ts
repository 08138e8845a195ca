import { Diagnostic, DiagnosticSeverity, DiagnosticTag } from 'vscode-languageserver';
import { Severity } from '../analysis/model';
import { CaptureView } from '../analysis/views/captureView';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function diagnostics(uri: string, view: CaptureView): Diagnostic[] {
  return view.findings.map((f) => ({
    range: f.range,
    severity: SEVERITY[f.severity],
    source: 'kleak',
    code: f.code,
    message: f.message,
    // Ignored log lines are noise the user may want greyed out, not flagged.
    tags: f.code === 'interleaved-line' ? [DiagnosticTag.Unnecessary] : undefined,
    relatedInformation: f.related.length > 0 ? f.related.map((r) => ({ location: { uri, range: r.range }, message: r.message })) : undefined,
  }));
}
