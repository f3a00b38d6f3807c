/**
 * The full coverage run of one family: `hf-core run --plugins <family>,<backends>` over every type
 * the family plugin synthesizes (its uncovered types become skip rows with their reasons), then the
 * report's totals per backend. Each scripts/coverage/<family>.ts calls this with cpu;
 * `pnpm coverage:catalog [family...]`, and `pnpm coverage:browser` with the browser backends.
 * HF_CORE_COVERAGE_TYPES=a,b runs a subset; HF_CORE_COVERAGE_OUT sets the output root.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '@hf-core/cli';
import type { RunSummary } from '@hf-core/core';

export async function coverFamily(
  family: string,
  backends = ['cpu'],
  opts: { folder?: string; args?: string[] } = {},
): Promise<RunSummary> {
  const folder = opts.folder ?? family;
  const out = join(process.env.HF_CORE_COVERAGE_OUT ?? '/tmp/hf-core-coverage', folder);
  const only = process.env.HF_CORE_COVERAGE_TYPES;
  const t0 = Date.now();
  const code = await main([
    'run',
    '--plugins',
    [family, ...backends].join(','),
    '--out',
    out,
    ...(only ? ['--models', only] : []),
    ...(opts.args ?? []),
  ]);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
  for (const backend of backends) {
    const rows = summary.results.filter((r) => r.backend === backend);
    const ran = rows.filter((r) => !r.reason.startsWith('not covered yet'));
    const pipeline = ran.filter((r) => r.status === 'pass' && r.level === 'pipeline').length;
    const session = ran.filter((r) => r.status === 'pass' && r.level === 'session').length;
    console.log(
      `${family} [${backend}]: ${pipeline} of ${ran.length} synthesized types pass at pipeline level, ${session} at session level only, ` +
        `${ran.length - pipeline - session} do not pass; ${rows.length - ran.length} listed as not covered yet ` +
        `(${Math.round((Date.now() - t0) / 1000)} s, exit ${code}). Table: ${join(out, 'report.md')}`,
    );
  }
  return summary;
}
