/**
 * Decoder-only coverage: every type @hf-core/plugin-decoder synthesizes, run through runModels on
 * cpu (generate, isolated vitest per model, pipeline level: greedy generate, left-padded batch,
 * text-generation, plus the session checks and KV-cache consistency), then a table with the
 * generation metrics; uncovered types are listed with their reasons.
 * `pnpm coverage:catalog decoder` (HF_CORE_COVERAGE_TYPES=a,b to run a subset); minutes, not part of `pnpm test`.
 */
import { fileURLToPath } from 'node:url';
import { HfCore, runModels, type Classification } from '@hf-core/core';
import cpu from '@hf-core/plugin-cpu';
import decoder, { DECODER_TYPES, DECODER_UNCOVERED } from '@hf-core/plugin-decoder';

export default async function decoderCoverage(outDir = process.env.HF_CORE_COVERAGE_OUT ?? '/tmp/hf-core-coverage/decoder'): Promise<void> {
  const core = new HfCore();
  await core.use(decoder());
  await core.use(cpu());
  const only = process.env.HF_CORE_COVERAGE_TYPES?.split(',').filter(Boolean);
  const types = only?.length ? DECODER_TYPES.filter((t) => only.includes(t)) : DECODER_TYPES;
  const classifications: Classification[] = [];
  for (const t of types) {
    const c = await core.hooks.classify.promise({ ref: { kind: 'type', modelType: t, ref: t } });
    if (!c) throw new Error(`decoder coverage: no plugin claimed "${t}"`);
    classifications.push(c);
  }
  const t0 = Date.now();
  const summary = await runModels(core, classifications, { outDir, backends: ['cpu'], resolveFrom: fileURLToPath(import.meta.url) });
  const num = (v: unknown) => (typeof v === 'number' ? String(v) : '');
  const rows = summary.results.map((r) => {
    const failed = r.checks.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.message}`);
    const m = r.metrics;
    return `| ${r.ref} | ${r.status} | ${r.level ?? '-'} | ${r.checks.filter((c) => c.status === 'pass').length}/${r.checks.length} | ${num(m.load_ms)} | ${num(m.prefill_ms)} | ${num(m.decode_ms_per_token)} | ${num(m.tokens_per_s)} | ${(failed[0] ?? (r.status === 'pass' ? '' : r.reason)).slice(0, 160).replace(/\|/g, '/')} |`;
  });
  console.log(['| type | status | level | checks passed | load ms | prefill ms | decode ms/token | tokens/s | first failure |', '|---|---|---|---|---|---|---|---|---|', ...rows].join('\n'));
  const passed = summary.results.filter((r) => r.status === 'pass' && r.level === 'pipeline').length;
  console.log(`\n${passed} of ${types.length} covered types pass at pipeline level on cpu in ${Math.round((Date.now() - t0) / 1000)} s; reports in ${outDir}`);
  const uncovered = Object.entries(DECODER_UNCOVERED);
  if (uncovered.length) console.log(`\nNot covered (${uncovered.length}):\n${uncovered.map(([t, why]) => `- ${t}: ${why}`).join('\n')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await decoderCoverage();
