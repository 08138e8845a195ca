/** Language ids of the capture formats the server analyses (contributed in package.json). */
export const CAPTURE_LANGUAGES = ['kmemleak', 'slabinfo', 'slabtop', 'meminfo', 'slub-debug', 'vmallocinfo', 'page-owner', 'allocinfo', 'bcc-memleak', 'bpftrace-output', 'perf-script', 'ftrace'] as const;
