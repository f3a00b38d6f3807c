import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CheckResult, Level, Metrics, ModelResult, ResultStatus, RunSummary } from './types.ts';
import type { ProcessOutcome } from './isolate.ts';

/** One line a test process wrote (see @hf-core/harness's Recorder). */
export type HarnessRecord =
  | ({ t: 'check' } & CheckResult)
  | { t: 'metric'; name: string; value: Metrics[string] }
  | { t: 'error'; message: string; phase: string }
  | { t: 'backend'; name: string; available: boolean; reason: string; versions: Record<string, string> };

export function parseRecords(text: string): HarnessRecord[] {
  const out: HarnessRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as HarnessRecord);
    } catch {
      // a torn last line from a process that died mid-write
    }
  }
  return out;
}

const SIGNAL_IN_OUTPUT =
  /(SIGSEGV|SIGABRT|SIGBUS|SIGILL|SIGFPE|SIGKILL|Worker exited unexpectedly|Channel closed|process exited unexpectedly|Aborted \(core dumped\)|terminate called)/i;

/** Highest level among checks that actually ran (pass or fail; a skip did not run). */
export function levelOf(checks: CheckResult[]): Level | null {
  const ran = checks.filter((c) => c.status !== 'skip');
  if (ran.some((c) => c.level === 'pipeline')) return 'pipeline';
  if (ran.some((c) => c.level !== 'reference')) return 'session';
  if (ran.length) return 'reference';
  return null;
}

/**
 * Why a row stopped at its level: at pipeline level, that it is the highest; at session level,
 * the reasons its pipeline-level checks were skipped (what the folder lacks for transformers.js).
 */
export function levelReasonOf(checks: CheckResult[], level: Level | null): string | undefined {
  if (level === 'pipeline') return 'the highest level hf-core tests';
  if (level !== 'session') return undefined;
  const skipped = checks.filter((c) => c.level === 'pipeline' && c.status === 'skip').map((c) => c.message);
  return skipped.length ? [...new Set(skipped)].join('; ') : 'no pipeline-level check exists for this model';
}

/** Where a process that died was, from Node's fatal-error report (`process.abort()`, a native crash). */
function crashSite(output: string): Record<string, unknown> {
  const js = /----- JavaScript stack trace -----\s*\n\s*1: (.+)/.exec(output);
  return {
    ...(js ? { crashedAt: js[1]!.trim() } : {}),
    ...(output.includes('----- Native stack trace -----') ? { nativeStackTrace: true } : {}),
  };
}

/** Folds a test process's records and its exit into one result row. */
export function foldResult(
  base: Pick<ModelResult, 'ref' | 'modelType' | 'family' | 'backend' | 'model' | 'started_at'>,
  records: HarnessRecord[],
  proc: ProcessOutcome,
): ModelResult {
  const checks: CheckResult[] = [];
  const metrics: Metrics = {};
  let loadError: string | undefined;
  let unavailable: string | undefined;
  for (const r of records) {
    if (r.t === 'check')
      checks.push({
        name: r.name,
        status: r.status,
        message: r.message,
        level: r.level,
        ...(r.details ? { details: r.details } : {}),
      });
    else if (r.t === 'metric') metrics[r.name] = r.value;
    else if (r.t === 'error') loadError ??= r.message;
    else if (r.t === 'backend' && !r.available) unavailable = r.reason;
  }
  if (metrics.peak_rss_mb === undefined && proc.peakTreeRssMb > 0) metrics.peak_rss_mb = proc.peakTreeRssMb;
  let status: ResultStatus;
  let reason = '';
  const evidence: Record<string, unknown> = {};
  const failed = checks.filter((c) => c.status === 'fail');
  const ran = checks.map((c) => c.name).join(', ') || 'none';
  if (proc.killedFor === 'timeout') {
    status = 'timeout';
    const limit = proc.limits ? `the ${proc.limits.timeoutMs} ms limit` : 'its time limit';
    reason = `still running after ${limit} (${proc.durationMs} ms); the process group was killed. Checks finished before: ${ran}. Raise --timeout if the model is just slow`;
  } else if (proc.killedFor === 'oom') {
    status = 'oom';
    const cap = proc.limits ? `the ${proc.limits.memoryCapMb} MB cap` : 'the memory cap';
    reason = `resident memory of the test's processes reached ${proc.peakTreeRssMb} MB, past ${cap}; the process group was killed. Checks finished before: ${ran}`;
  } else if (proc.signal || (proc.exitCode !== 0 && SIGNAL_IN_OUTPUT.test(proc.outputTail) && !failed.length)) {
    status = 'crash';
    const m = SIGNAL_IN_OUTPUT.exec(proc.outputTail);
    reason = `the test process died${proc.signal ? ` with ${proc.signal}` : ''}${m ? ` (${m[1]})` : ''}`;
  } else if (unavailable) {
    status = 'skip';
    reason = unavailable;
  } else if (loadError) {
    status = 'error';
    reason = loadError;
  } else if (failed.length) {
    status = 'fail';
    reason = failed.map((c) => `${c.name}: ${c.message}`).join('; ');
  } else if (proc.exitCode !== 0) {
    status = 'error';
    reason = `vitest exited with code ${proc.exitCode} before the checks ran; see the log`;
  } else if (checks.some((c) => c.status === 'pass')) {
    status = 'pass';
    const skipped = checks.filter((c) => c.status === 'skip');
    reason = skipped.length
      ? `${skipped.length} check(s) skipped: ${skipped.map((c) => `${c.name} (${c.message})`).join('; ')}`
      : '';
  } else {
    status = 'skip';
    reason = checks.map((c) => c.message).join('; ') || 'no check ran';
  }
  if (['timeout', 'oom', 'crash', 'error'].includes(status)) {
    Object.assign(evidence, {
      exitCode: proc.exitCode,
      signal: proc.signal,
      ...(proc.killedFor ? { killedFor: proc.killedFor } : {}),
      peakTreeRssMb: proc.peakTreeRssMb,
      durationMs: proc.durationMs,
      ...(proc.limits ? { limits: proc.limits } : {}),
      ...(proc.logFile ? { logFile: proc.logFile } : {}),
      ...(status === 'crash' ? crashSite(proc.outputTail) : {}),
      outputTail: proc.outputTail.slice(-1500),
    });
  }
  const level = levelOf(checks);
  const levelReason = levelReasonOf(checks, level);
  return {
    ...base,
    status,
    reason,
    level,
    ...(levelReason ? { levelReason } : {}),
    checks,
    metrics,
    ...(Object.keys(evidence).length ? { evidence } : {}),
    duration_ms: proc.durationMs,
  };
}

/** Appends result rows to `results.jsonl` as they finish, so a killed run loses nothing. */
export class ResultsWriter {
  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }
  append(result: ModelResult): void {
    appendFileSync(this.file, `${JSON.stringify(result)}\n`);
  }
  /** Rows already written (for --resume); a torn last line is ignored. */
  static read(file: string): ModelResult[] {
    if (!existsSync(file)) return [];
    return parseRecords(readFileSync(file, 'utf8')) as unknown as ModelResult[];
  }
}

export const resultKey = (r: { ref: string; backend: string }) => `${r.backend}\u0000${r.ref}`;

export function summarize(results: ModelResult[], meta: Omit<RunSummary, 'totals' | 'results'>): RunSummary {
  const totals = {
    total: results.length,
    pass: 0,
    fail: 0,
    skip: 0,
    error: 0,
    crash: 0,
    timeout: 0,
    oom: 0,
  } as RunSummary['totals'];
  for (const r of results) totals[r.status] += 1;
  return { ...meta, totals, results };
}
