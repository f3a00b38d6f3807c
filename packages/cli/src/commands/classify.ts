import { catalogFallbackPlugin, classifyRefs, type Classification } from '@hf-core/core';
import type { CommandModule } from '../context.ts';
import { createCore, splitList, type CliIO } from '../context.ts';

interface ClassifyOptions {
  json?: boolean;
  plugins?: string | string[];
  allowNetwork?: boolean;
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** The fields `--json` prints, in this order: `decidedBy` names the signal that decided, `subConfigOf` the model holding a sub-config. */
export function classificationJson(c: Classification) {
  return {
    ref: c.ref,
    modelType: c.modelType,
    family: c.family,
    tasks: c.tasks,
    runtimeSupport: c.runtimeSupport,
    confidence: c.confidence,
    decidedBy: c.decidedBy ?? null,
    reason: c.reason,
    ...(c.subConfigOf ? { subConfigOf: c.subConfigOf } : {}),
  };
}

async function classify(refs: string[], options: ClassifyOptions, io: CliIO): Promise<number> {
  const core = await createCore(io, splitList(options.plugins) ?? []);
  if (!core.plugins.some((p) => p.name === catalogFallbackPlugin.name)) await core.use(catalogFallbackPlugin);
  const results = await classifyRefs(core, refs, { cwd: io.cwd, env: io.env, allowNetwork: !!options.allowNetwork });
  if (options.json) {
    io.stdout(JSON.stringify(results.map(classificationJson), null, 2));
  } else {
    const classified = results.filter((r) => r.family);
    if (classified.length) {
      io.stdout(
        table(
          ['REF', 'TYPE', 'FAMILY', 'TASKS', 'TRANSFORMERS.JS', 'CONFIDENCE', 'DECIDED BY', 'REASON'],
          classified.map((r) => [
            r.ref,
            r.modelType ?? '-',
            r.family ?? '-',
            r.tasks.slice(0, 3).join(',') || '-',
            r.runtimeSupport,
            r.confidence,
            r.decidedBy ?? (r.claimedBy && r.claimedBy !== catalogFallbackPlugin.name ? r.claimedBy : '-'),
            r.reason,
          ]),
        ),
      );
    }
  }
  const failed = results.filter((r) => !r.family);
  for (const r of failed) io.stderr(`hf-core classify: ${r.ref}: ${r.reason}`);
  return failed.length ? 2 : 0;
}

const command: CommandModule = {
  register(cli, io, done) {
    cli
      .command('classify <...refs>', 'Say what each model is: model type, family, tasks, transformers.js support')
      .usage(
        'classify <ref...> [options]\n\n' +
          'A ref is a model type (llama, gpt-j), a model folder, a config.json, or a hub id (org/name[@revision])\n' +
          'found in the Hugging Face cache (HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub).\n' +
          'Family plugins named with --plugins answer first; the catalog answers the rest, from every signal a\n' +
          'config.json has: model_type, the classes of architectures and auto_map (custom-code repos), an ONNX\n' +
          'Runtime GenAI `model` block, nested sub-configs (vision / audio / text towers), the words of its keys,\n' +
          'then structural keys. DECIDED BY names the signal that decided; a sub-config type says what holds it.\n' +
          'Exit code 2 when any ref cannot be classified (unknown type, bad path or config).',
      )
      .option(
        '--json',
        'Print a JSON array, one object per ref: ref, modelType, family, tasks, runtimeSupport, confidence, decidedBy, reason (and subConfigOf for a sub-config)',
      )
      .option('--plugins <names>', 'Plugins to ask first, comma-separated (default: none; the catalog answers)')
      .option('--allow-network', 'Fetch config.json of hub ids that are not in the cache (HF_HUB_OFFLINE=1 still wins)')
      .example('  hf-core classify llama gpt-j bert')
      .example('  hf-core classify ./my-model ./other/config.json --json')
      .example('  hf-core classify Xenova/gpt2            # from the Hugging Face cache, offline')
      .example('  hf-core classify org/model --allow-network')
      .example('  hf-core classify llama --plugins decoder')
      .action((refs: string[], options: ClassifyOptions) => done(classify(refs, options, io)));
  },
};
export default command;
