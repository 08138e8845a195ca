// The capture view of an ftrace kmem capture (trace, trace_pipe, trace-cmd report).
import { TraceCapture } from '../traceEvents';
import { CaptureView } from './captureView';
import { traceView } from './traceView';

export function ftraceView(capture: TraceCapture): CaptureView {
  return traceView(capture, { format: 'ftrace', label: 'ftrace' });
}
