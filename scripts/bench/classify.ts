/**
 * Benchmark: `hf-core classify` logic over 10,000 refs (model types, aliases and other
 * spellings, config objects with and without model_type), through the classify hook with the
 * catalog fallback, as the CLI runs it. Prints ms per thousand refs; the target is well under
 * 1 s per thousand.
 */
import { performance } from 'node:perf_hooks';
import { classStem, listEntries } from '../../packages/catalog/src/index.ts';
import { catalogFallbackPlugin, classifyRefs, HfCore, type ClassifyContext } from '../../packages/core/src/index.ts';

const N = 10_000;

function inputs() {
  const entries = listEntries();
  const types: string[] = [];
  const configs: Record<string, unknown>[] = [];
  for (let i = 0; types.length < N / 2; i++) {
    const e = entries[i % entries.length];
    const alias = e.aliases?.[0];
    types.push(
      i % 3 === 0 ? e.modelType : i % 3 === 1 ? e.modelType.toUpperCase() : (alias ?? e.modelType.replace(/[-_]/g, '')),
    );
  }
  for (let i = 0; configs.length < N / 2; i++) {
    const e = entries[i % entries.length];
    const cls = e.classNames?.[0] ?? (e.configClass ? `${classStem(e.configClass)}ForCausalLM` : undefined);
    if (i % 4 === 0 || !cls) configs.push({ model_type: e.modelType, vocab_size: 1000 });
    else if (i % 4 === 1) configs.push({ architectures: [cls], hidden_size: 64 });
    else if (i % 4 === 2) configs.push({ text_config: { vocab_size: 10 }, vision_config: { image_size: 224 } });
    else configs.push({ model_type: `custom_${i}`, is_encoder_decoder: true, num_mel_bins: 80 });
  }
  return { types, configs };
}

export default async function benchClassify(): Promise<{ msPerThousand: number }> {
  const core = new HfCore();
  await core.use(catalogFallbackPlugin);
  const { types, configs } = inputs();
  const env = { HF_HUB_CACHE: '/nonexistent-hf-core-bench-cache' };

  await classifyRefs(core, types.slice(0, 200), { cwd: process.cwd(), env }); // warm the catalog indexes

  const t0 = performance.now();
  const byType = await classifyRefs(core, types, { cwd: process.cwd(), env });
  const t1 = performance.now();
  let classified = byType.filter((c) => c.family).length;
  for (let i = 0; i < configs.length; i++) {
    const ctx: ClassifyContext = {
      ref: { kind: 'config', config: configs[i], ref: `config-${i}` },
      config: configs[i],
    };
    if ((await core.hooks.classify.promise(ctx))?.family) classified++;
  }
  const t2 = performance.now();

  const perK = (ms: number, n: number) => (ms / n) * 1000;
  const total = perK(t2 - t0, N);
  console.log(`classify: ${N} refs in ${(t2 - t0).toFixed(0)} ms, ${classified} classified`);
  console.log(`  type names and aliases: ${perK(t1 - t0, types.length).toFixed(1)} ms per thousand`);
  console.log(`  config objects:         ${perK(t2 - t1, configs.length).toFixed(1)} ms per thousand`);
  console.log(`  all:                    ${total.toFixed(1)} ms per thousand (target: well under 1000)`);
  return { msPerThousand: total };
}

if (import.meta.url === `file://${process.argv[1]}`) await benchClassify();
