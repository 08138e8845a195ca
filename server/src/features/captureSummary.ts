import { Suspect } from '../analysis/model';
import { CaptureView } from '../analysis/views/captureView';
import { CaptureSummary, SuspectDto } from '../protocol';

export function suspectDto(s: Suspect): SuspectDto {
  return { ...s, stack: [...s.stack], samples: s.samples && [...s.samples] };
}

export function captureSummary(uri: string, view: CaptureView): CaptureSummary {
  return {
    uri,
    format: view.format,
    records: view.records,
    bytes: view.suspects.reduce((s, x) => s + x.bytes, 0),
    suspects: view.suspects.map(suspectDto),
  };
}
