/**
 * The files of a new plugin package, as `hf-core plugin new` writes them. The name is checked
 * (lower-case letters, digits and dashes) before it gets here, and every place it lands in code
 * is a JSON literal all the same.
 */

export type PluginKind = 'family' | 'backend';

/** `my-family` -> `my_family`: the model type a family scaffold synthesizes. */
export const modelTypeOf = (name: string) => name.replace(/-/g, '_');

const json = (v: unknown) => JSON.stringify(v);

function manifest(name: string, kind: PluginKind, version: string): string {
  const range = `^${version}`;
  const peers: Record<string, string> =
    kind === 'family'
      ? { '@hf-core/core': range, '@hf-core/harness': range, '@hf-core/onnx-builder': range }
      : { '@hf-core/core': range, '@hf-core/ort': range };
  return `${JSON.stringify(
    {
      name: `hf-core-plugin-${name}`,
      version: '0.1.0',
      private: true,
      description: `hf-core ${kind} plugin ${name}`,
      type: 'module',
      exports: kind === 'family' ? { '.': './src/index.ts' } : { '.': './src/index.ts', './engine': './src/engine.ts' },
      files: kind === 'family' ? ['src', 'templates'] : ['src'],
      keywords: ['hf-core', 'hf-core-plugin'],
      peerDependencies: peers,
    },
    null,
    2,
  )}\n`;
}

const FAMILY_INDEX = (name: string) => `import { join } from 'node:path';
import { defineFamilyPlugin, type PluginFactory } from '@hf-core/core';
import { embedding, GraphBuilder, layerNorm, mlp, saveGraph, writeJson } from '@hf-core/onnx-builder';

export const PLUGIN_NAME = ${json(`local:${name}`)};
const MODEL_TYPE = ${json(modelTypeOf(name))};

/** Teaches hf-core the model type ${modelTypeOf(name)}: claims it, synthesizes a tiny model of it, renders its test. */
const plugin: PluginFactory = () =>
  defineFamilyPlugin({
    name: PLUGIN_NAME,
    family: 'encoder-only',
    modelTypes: [MODEL_TYPE],
    templateVersion: 1,
    template: new URL('../templates/test.eta', import.meta.url),
    async synthesize(_type, dir, { seed, size }) {
      const hidden = size === 'micro' ? 16 : 32;
      const g = new GraphBuilder({ seed, name: MODEL_TYPE });
      const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
      let x = layerNorm(g, embedding(g, ids, 64, hidden, 'embeddings'), hidden, 'embeddings.norm');
      x = layerNorm(g, g.op('Add', [x, mlp(g, x, hidden, hidden * 2, 'mlp')]), hidden, 'output_norm');
      g.output(x, 'last_hidden_state', 'float32', ['batch_size', 'sequence_length', hidden]);
      const files = await saveGraph(g, join(dir, 'onnx', 'model.onnx'));
      // Your type's own config keys: what your exporter writes.
      files.push(await writeJson(join(dir, 'config.json'), { model_type: MODEL_TYPE, hidden_size: hidden }));
      return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts: { hidden } };
    },
  });

export default plugin;
`;

const FAMILY_TEMPLATE = `<%~ it.header %>
import { describe, it } from 'vitest';
import { assertFinite, assertOutputShapes, checkDeterminism, harness, tensor } from '@hf-core/harness';

const HIDDEN = <%= it.facts.hidden %>;
const h = harness(import.meta.url, { ref: <%= it.ref %>, modelType: <%= it.modelType %>, family: <%= it.family %>, modelDir: <%= it.modelDir %> });
const feeds = { input_ids: tensor('int64', [2, 5, 7, 9, 3, 2, 6, 8, 3, 0], [2, 5]) };

describe(h.title, () => {
  it('session: shapes and finite values', (ctx) =>
    h.check(ctx, 'output-shapes', 'session', async () => {
      const out = await (await h.session()).run(feeds);
      assertOutputShapes(out, { last_hidden_state: [2, 5, HIDDEN] });
      assertFinite(out);
    }));

  it('session: determinism', (ctx) =>
    h.check(ctx, 'determinism', 'session', async () => checkDeterminism(await h.session(), feeds)));

  it('session: latency', (ctx) =>
    h.check(ctx, 'latency', 'session', async () => h.measure(await h.session(), feeds)));
});
`;

const BACKEND_INDEX = (
  name: string,
) => `import { defineBackendPlugin, siblingModule, type PluginFactory } from '@hf-core/core';
import createEngine from './engine.ts';

export const PLUGIN_NAME = ${json(`local:${name}`)};

/** The backend ${name}: say whether it can run here, and point the test process at the engine. */
const plugin: PluginFactory = () =>
  defineBackendPlugin({
    pluginName: PLUGIN_NAME,
    backend: ${json(name)},
    engineModule: siblingModule(import.meta.url, 'engine'),
    detect: () => createEngine().detect(),
  });

export default plugin;
`;

const BACKEND_ENGINE = (name: string) => `import type { BackendEngine } from '@hf-core/core';
import { createCpuEngine } from '@hf-core/ort';

/**
 * Loaded by each test process. It starts as onnxruntime-node on the CPU: replace detect() and
 * createSession() with your runtime (a session takes and returns hf-core's TensorData).
 */
export default function createEngine(): BackendEngine {
  const cpu = createCpuEngine();
  return {
    name: ${json(name)},
    detect: () => cpu.detect(),
    createSession: (modelPath, options) => cpu.createSession(modelPath, options),
  };
}
`;

function readme(name: string, kind: PluginKind): string {
  const run =
    kind === 'family'
      ? `npx hf-core run --plugins ./${name},cpu --models ${modelTypeOf(name)}`
      : `npx hf-core run --plugins encoder,./${name} --models bert`;
  return `# hf-core-plugin-${name}

An hf-core ${kind} plugin, written by \`hf-core plugin new\`. It runs as it is:

\`\`\`sh
${run}
\`\`\`

hf-core loads it by path (this folder, or \`./${name}/src/index.ts\`): TypeScript needs no build step.
Published as \`hf-core-plugin-${name}\`, it is found by its short name: \`--plugins ${name}\`.
${
  kind === 'family'
    ? `\n\`src/index.ts\` synthesizes a tiny model of \`${modelTypeOf(name)}\`; \`templates/test.eta\` is its test\n(\`<%= x %>\` writes an escaped literal).\n`
    : `\n\`src/engine.ts\` is loaded by each test process: put your runtime there.\n`
}`;
}

/** Path (relative to the plugin folder) -> content. */
export function scaffoldFiles(name: string, kind: PluginKind, version: string): Record<string, string> {
  const files: Record<string, string> = {
    'package.json': manifest(name, kind, version),
    'README.md': readme(name, kind),
  };
  if (kind === 'family') {
    files['src/index.ts'] = FAMILY_INDEX(name);
    files['templates/test.eta'] = FAMILY_TEMPLATE;
  } else {
    files['src/index.ts'] = BACKEND_INDEX(name);
    files['src/engine.ts'] = BACKEND_ENGINE(name);
  }
  return files;
}
