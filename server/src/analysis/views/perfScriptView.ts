// The capture view of a perf script (or perf trace / perf report) kmem capture.
import { TraceCapture } from '../traceEvents';
import { CaptureView } from './captureView';
import { traceView } from './traceView';

export function perfScriptView(capture: TraceCapture): CaptureView {
  return traceView(capture, { format: 'perf-script', label: 'perf script' });
}
