/**
 * Speech coverage: every type @hf-core/plugin-speech synthesizes, run through runModels on cpu
 * (generate, isolated vitest per model, pipeline level), then a table; the types it does not
 * cover are listed with their reasons. `pnpm coverage:catalog speech`; minutes, not part of `pnpm test`.
 */
import { fileURLToPath } from 'node:url';
import { HfCore, runModels, type Classification } from '@hf-core/core';
import cpu from '@hf-core/plugin-cpu';
import speech, { SPEECH_TYPES, UNCOVERED } from '@hf-core/plugin-speech';

// runModels reuses models already in outDir, so the default is a fresh folder per run.
export default async function speechCoverage(outDir = process.env.HF_CORE_COVERAGE_OUT ?? `/tmp/hf-core-coverage/speech-${Date.now()}`): Promise<void> {
  const core = new HfCore();
  await core.use(speech());
  await core.use(cpu());
  const classifications: Classification[] = [];
  for (const t of SPEECH_TYPES) {
    const c = await core.hooks.classify.promise({ ref: { kind: 'type', modelType: t, ref: t } });
    if (!c) throw new Error(`speech coverage: no plugin claimed "${t}"`);
    classifications.push(c);
  }
  const t0 = Date.now();
  const summary = await runModels(core, classifications, { outDir, backends: ['cpu'], resolveFrom: fileURLToPath(import.meta.url) });
  const rows = summary.results.map((r) => {
    const failed = r.checks.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.message}`);
    return `| ${r.ref} | ${r.status} | ${r.level ?? '-'} | ${r.checks.filter((c) => c.status === 'pass').length}/${r.checks.length} | ${r.metrics.load_ms ?? ''} | ${(failed[0] ?? (r.status === 'pass' ? '' : r.reason)).slice(0, 160).replace(/\|/g, '/')} |`;
  });
  console.log(['| type | status | level | checks passed | load ms | first failure |', '|---|---|---|---|---|---|', ...rows].join('\n'));
  const at = (level: string) => summary.results.filter((r) => r.status === 'pass' && r.level === level).length;
  console.log(`\n${SPEECH_TYPES.length} covered types on cpu in ${Math.round((Date.now() - t0) / 1000)} s: ${at('pipeline')} pass at pipeline level, ${at('session')} at session level only (transformers.js does not register them); reports in ${outDir}`);
  const uncovered = Object.entries(UNCOVERED);
  if (uncovered.length) console.log(`\nNot covered (${uncovered.length}):\n${uncovered.map(([t, why]) => `- ${t}: ${why}`).join('\n')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await speechCoverage();
