/**
 * Benchmark: the fix chain (migrate, keep regions, imports, format, type-check) over a whole
 * catalog of generated tests, as `hf-core generate --all` runs it. Renders one test per catalog
 * model type (~420) in the shape family templates write, against the real harness, and fixes
 * them all in one process. Prints total ms and ms per file; the target is the whole catalog
 * (generate + fix) in under 15 s on 2 cores.
 *
 * HF_CORE_BENCH_FIX_GLOB="out/tests/*.test.ts" fixes those files instead (check mode: nothing is
 * written), e.g. the real output of `hf-core generate --all`.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { listEntries } from '../../packages/catalog/src/index.ts';
import { generatedHeader, HfCore, renderTemplate } from '../../packages/core/src/index.ts';
import { fixFiles, fixPlugins, fixSource, formatDiagnostic, type FixResult } from '../../packages/fix/src/index.ts';

const TEMPLATE = `<%~ it.header %>
import { describe, it } from 'vitest';
import { assertFinite, assertOutputShapes, checkDeterminism, harness, tensor } from '@hf-core/harness';

const FACTS = <%= it.facts %>;

const h = harness(import.meta.url, {
  ref: <%= it.ref %>,
  modelType: <%= it.modelType %>,
  family: <%= it.family %>,
  modelDir: <%= it.modelDir %>,
});

const feeds = () => ({
  input_ids: tensor('int64', FACTS.ids, [1, FACTS.ids.length]),
  attention_mask: tensor('int64', FACTS.ids.map(() => 1), [1, FACTS.ids.length]),
});

describe(h.title, () => {
  it('session: output shapes', (ctx) =>
    h.check(ctx, 'output-shapes', 'session', async () => {
      const session = await h.session();
      assertOutputShapes(await session.run(feeds()), { [FACTS.output]: [1, FACTS.ids.length, FACTS.hidden] });
    }));

  it('session: finite values', (ctx) =>
    h.check(ctx, 'finite', 'session', async () => {
      const session = await h.session();
      assertFinite(await session.run(feeds()));
    }));

  it('session: determinism', (ctx) =>
    h.check(ctx, 'determinism', 'session', async () => checkDeterminism(await h.session(), feeds())));

  it('session: latency', (ctx) =>
    h.check(ctx, 'latency', 'session', async () => {
      const session = await h.session();
      await h.measure(session, feeds());
    }));

  // hf-core:keep-start custom-checks
  // hf-core:keep-end
});
`;

/** Sources as `generate` renders them, at paths in a folder that is never written to. */
function render(): { filePath: string; source: string }[] {
  const outDir = join(tmpdir(), `hf-core-bench-fix-${process.pid}`, 'tests');
  return listEntries().map((e, i) => ({
    filePath: join(outDir, `${e.modelType}.test.ts`),
    source: renderTemplate(TEMPLATE, {
      header: generatedHeader({ template: `${e.family}@1`, version: 1, ref: e.modelType }),
      ref: e.modelType,
      modelType: e.modelType,
      family: e.family,
      modelDir: `../models/${e.modelType}`,
      facts: {
        ids: [1, 2 + (i % 7), 3],
        hidden: 32,
        output: e.family === 'decoder-only' ? 'logits' : 'last_hidden_state',
      },
    }),
  }));
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export default async function benchFix(): Promise<void> {
  const t0 = performance.now();
  const c0 = cpuMs();
  const core = new HfCore();
  for (const p of fixPlugins()) await core.use(p);
  const glob = process.env.HF_CORE_BENCH_FIX_GLOB;
  let n: number;
  let failed: { file: string; diagnostics: FixResult['diagnostics'] }[];
  let tRender = 0;
  if (glob) {
    const results = await fixFiles(core, [glob], { check: true });
    n = results.length;
    failed = results.filter((r) => r.diagnostics.length);
  } else {
    const files = render();
    tRender = performance.now() - t0;
    const results = await Promise.all(files.map((f) => fixSource(core, f.source, { filePath: f.filePath })));
    n = files.length;
    failed = results
      .map((r, i) => ({ file: files[i].filePath, diagnostics: r.diagnostics }))
      .filter((r) => r.diagnostics.length);
  }
  const total = performance.now() - t0;
  // CPU time too: on a shared machine the wall clock measures the neighbours as well.
  const cpu = cpuMs() - c0;
  console.log(
    `fix: ${n} files in ${total.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms CPU (${(total / n).toFixed(1)} ms/file wall; render ${tRender.toFixed(0)} ms), ${failed.length} with errors`,
  );
  for (const f of failed.slice(0, 3))
    console.log(
      `  ${formatDiagnostic(f.diagnostics[0])}${f.diagnostics.length > 1 ? ` (+${f.diagnostics.length - 1} more)` : ''}`,
    );
}
