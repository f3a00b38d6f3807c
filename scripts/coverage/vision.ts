/**
 * Vision coverage: every type @hf-core/plugin-vision synthesizes, run through runModels on cpu
 * (isolated vitest per model: session checks on the graph, then the processor-shape check and
 * the type's own pipeline: image-classification + image-feature-extraction, object-detection,
 * depth-estimation, image-segmentation, background-removal, image-to-image, mask-generation, or
 * AutoProcessor + AutoModel), then a table with load and latency; uncovered types are listed.
 * `pnpm coverage:catalog vision` (HF_CORE_COVERAGE_TYPES=a,b for a subset); about six minutes on
 * 2 cores, not part of `pnpm test`.
 */
import { fileURLToPath } from 'node:url';
import { HfCore, runModels, type Classification } from '@hf-core/core';
import cpu from '@hf-core/plugin-cpu';
import vision, { VISION_TYPES, VISION_UNCOVERED } from '@hf-core/plugin-vision';

export default async function visionCoverage(outDir = process.env.HF_CORE_COVERAGE_OUT ?? '/tmp/hf-core-coverage/vision'): Promise<void> {
  const core = new HfCore();
  await core.use(vision());
  await core.use(cpu());
  const only = process.env.HF_CORE_COVERAGE_TYPES?.split(',').filter(Boolean);
  const types = only?.length ? VISION_TYPES.filter((t) => only.includes(t)) : VISION_TYPES;
  const classifications: Classification[] = [];
  for (const t of types) {
    const c = await core.hooks.classify.promise({ ref: { kind: 'type', modelType: t, ref: t } });
    if (!c) throw new Error(`vision coverage: no plugin claimed "${t}"`);
    classifications.push(c);
  }
  const t0 = Date.now();
  const summary = await runModels(core, classifications, { outDir, backends: ['cpu'], resolveFrom: fileURLToPath(import.meta.url) });
  const num = (v: unknown) => (typeof v === 'number' ? String(v) : '');
  const p50 = (v: unknown) => (v && typeof v === 'object' && 'p50' in v ? String((v as { p50: number }).p50) : '');
  const rows = summary.results.map((r) => {
    const failed = r.checks.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.message}`);
    const tasks = r.checks.filter((c) => c.level === 'pipeline').map((c) => c.name).join(', ');
    const m = r.metrics;
    return `| ${r.ref} | ${r.status} | ${r.level ?? '-'} | ${r.checks.filter((c) => c.status === 'pass').length}/${r.checks.length} | ${tasks} | ${num(m.load_ms)} | ${p50(m.latency_ms)} | ${num(m.peak_rss_mb)} | ${(failed[0] ?? (r.status === 'pass' ? '' : r.reason)).slice(0, 160).replace(/\|/g, '/')} |`;
  });
  console.log(['| type | status | level | checks passed | pipeline checks | load ms | latency p50 ms | peak RSS MB | first failure |', '|---|---|---|---|---|---|---|---|---|', ...rows].join('\n'));
  const passed = summary.results.filter((r) => r.status === 'pass' && r.level === 'pipeline').length;
  console.log(`\n${passed} of ${types.length} covered types pass at pipeline level on cpu in ${Math.round((Date.now() - t0) / 1000)} s; reports in ${outDir}`);
  const uncovered = Object.entries(VISION_UNCOVERED);
  if (uncovered.length) console.log(`\nNot covered (${uncovered.length}):\n${uncovered.map(([t, why]) => `- ${t}: ${why}`).join('\n')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await visionCoverage();
