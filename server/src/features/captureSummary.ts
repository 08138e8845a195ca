import { CaptureView } from '../analysis/views/captureView';
import { CaptureSummary } from '../protocol';

export function captureSummary(uri: string, view: CaptureView): CaptureSummary {
  return {
    uri,
    format: view.format,
    records: view.records,
    bytes: view.suspects.reduce((s, x) => s + x.bytes, 0),
    suspects: view.suspects.map((s) => ({ ...s, stack: [...s.stack] })),
  };
}
