import { appendFileSync, readFileSync } from 'node:fs';
import type { CheckResult, Metrics } from '@hf-core/core';

/** One line of the per-model record file the isolated test process appends to. */
export type Record_ =
  | ({ t: 'check' } & CheckResult)
  | { t: 'metric'; name: string; value: Metrics[string] }
  | { t: 'error'; message: string; phase: string }
  | { t: 'backend'; name: string; available: boolean; reason: string; versions: Record<string, string> };

/**
 * Appends records as they happen (one JSON line each), so a process that crashes half-way keeps
 * what it had. Without HF_CORE_RESULT_FILE (a plain `vitest run`), records stay in memory.
 */
export class Recorder {
  readonly records: Record_[] = [];
  constructor(private readonly file = process.env.HF_CORE_RESULT_FILE) {}

  write(r: Record_): void {
    this.records.push(r);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(r)}\n`);
  }
}

/** Reads a record file; a torn last line (the process died mid-write) is ignored. */
export function readRecords(file: string): Record_[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: Record_[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Record_);
    } catch {
      // torn write at a crash: keep what parsed
    }
  }
  return out;
}
