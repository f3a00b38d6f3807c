/**
 * Encoder-decoder coverage: every type @hf-core/plugin-encoder-decoder synthesizes, run through
 * runModels on cpu (isolated vitest per model: cache I/O, shapes, KV-cache consistency, encoder
 * and cross-attention padding, greedy generate vs uncached decoding, padded batch, the
 * text2text / translation / summarization pipelines), then a table with the generation metrics;
 * uncovered types are listed with their reasons.
 * `pnpm coverage:catalog encoder-decoder` (HF_CORE_COVERAGE_TYPES=a,b for a subset); about a minute, not part of `pnpm test`.
 */
import { fileURLToPath } from 'node:url';
import { HfCore, runModels, type Classification } from '@hf-core/core';
import cpu from '@hf-core/plugin-cpu';
import encoderDecoder, { SEQ2SEQ_SPECS, SEQ2SEQ_TYPES, SEQ2SEQ_UNCOVERED } from '@hf-core/plugin-encoder-decoder';

export default async function encoderDecoderCoverage(outDir = process.env.HF_CORE_COVERAGE_OUT ?? '/tmp/hf-core-coverage/encoder-decoder'): Promise<void> {
  const core = new HfCore();
  await core.use(encoderDecoder());
  await core.use(cpu());
  const only = process.env.HF_CORE_COVERAGE_TYPES?.split(',').filter(Boolean);
  const types = only?.length ? SEQ2SEQ_TYPES.filter((t) => only.includes(t)) : SEQ2SEQ_TYPES;
  const classifications: Classification[] = [];
  for (const t of types) {
    const c = await core.hooks.classify.promise({ ref: { kind: 'type', modelType: t, ref: t } });
    if (!c) throw new Error(`encoder-decoder coverage: no plugin claimed "${t}"`);
    classifications.push(c);
  }
  const t0 = Date.now();
  const summary = await runModels(core, classifications, { outDir, backends: ['cpu'], resolveFrom: fileURLToPath(import.meta.url) });
  const num = (v: unknown) => (typeof v === 'number' ? String(v) : '');
  const rows = summary.results.map((r) => {
    const failed = r.checks.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.message}`);
    const note = failed[0] ?? (r.status !== 'pass' ? r.reason : SEQ2SEQ_SPECS[r.ref]?.noPipeline ?? '');
    const m = r.metrics;
    return `| ${r.ref} | ${r.status} | ${r.level ?? '-'} | ${r.checks.filter((c) => c.status === 'pass').length}/${r.checks.length} | ${num(m.load_ms)} | ${num(m.prefill_ms)} | ${num(m.decode_ms_per_token)} | ${num(m.tokens_per_s)} | ${note.slice(0, 160).replace(/\|/g, '/')} |`;
  });
  console.log(['| type | status | level | checks passed | load ms | prefill ms | decode ms/token | tokens/s | note |', '|---|---|---|---|---|---|---|---|---|', ...rows].join('\n'));
  const pipeline = summary.results.filter((r) => r.status === 'pass' && r.level === 'pipeline').length;
  const session = summary.results.filter((r) => r.status === 'pass' && r.level === 'session').length;
  console.log(`\n${pipeline} of ${types.length} types pass at pipeline level and ${session} at session level only, on cpu, in ${Math.round((Date.now() - t0) / 1000)} s; reports in ${outDir}`);
  const uncovered = Object.entries(SEQ2SEQ_UNCOVERED);
  console.log(`\nNot covered (${uncovered.length}):\n${uncovered.map(([t, why]) => `- ${t}: ${why}`).join('\n')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await encoderDecoderCoverage();
