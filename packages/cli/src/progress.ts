import type { ModelResult, ProgressEvent } from '@hf-core/core';
import type { CliIO } from './context.ts';

const fmt = (x: unknown, unit = 'ms') =>
  typeof x === 'number' ? `${x >= 100 ? x.toFixed(0) : x.toFixed(2)}${unit}` : '-';

export function resultLine(r: ModelResult): string {
  const m = r.metrics;
  const parts = [
    r.status.toUpperCase().padEnd(7),
    r.ref,
    `[${r.backend}]`,
    r.level ?? '-',
    `load ${fmt(m.load_ms)}`,
    `p50 ${fmt(m.latency_ms?.p50)}`,
    `rss ${fmt(m.peak_rss_mb, 'MB')}`,
    `${(r.duration_ms / 1000).toFixed(1)}s`,
  ];
  if (r.status !== 'pass' && r.reason) parts.push(`- ${r.reason.slice(0, 200)}`);
  return parts.join(' ');
}

/** One line per finished result on stderr, with a count, so long runs show where they are. */
export function progressPrinter(io: CliIO, quiet = false): (e: ProgressEvent) => void {
  return (e) => {
    if (quiet) return;
    if (e.kind === 'start')
      io.stderr(
        `hf-core: ${e.total} model x backend runs, ${e.jobs} at a time${e.resumed ? ` (${e.resumed} already done, resuming)` : ''}`,
      );
    else io.stderr(`[${String(e.index).padStart(String(e.total).length)}/${e.total}] ${resultLine(e.result)}`);
  };
}
