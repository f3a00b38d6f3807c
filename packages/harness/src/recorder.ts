import { appendFileSync } from 'node:fs';
import type { HarnessRecord } from '@hf-core/core';

/**
 * Appends records as they happen (one JSON line each, read back by core's `parseRecords`), so a
 * process that crashes half-way keeps what it had. Without HF_CORE_RESULT_FILE (a plain
 * `vitest run`), records stay in memory.
 */
export class Recorder {
  readonly records: HarnessRecord[] = [];
  constructor(private readonly file = process.env.HF_CORE_RESULT_FILE) {}

  write(r: HarnessRecord): void {
    this.records.push(r);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(r)}\n`);
  }
}
