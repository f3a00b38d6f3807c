import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineFamilyPlugin, generatedHeader, renderTemplate, type PluginFactory } from '@hf-core/core';
import { buildEncoderGraph, saveGraph, wordPieceTokenizer, writeJson } from '@hf-core/onnx-builder';

export const PLUGIN_NAME = 'example:my-encoder';
/** A family of the team's own: no core or catalog file lists it, the plugin declares it. */
export const FAMILY = 'in-house';
const TYPE = 'my_encoder';
const TEMPLATE_VERSION = 1;
const template = readFileSync(new URL('../templates/test.eta', import.meta.url), 'utf8');

/** hf-core learns the in-house `my_encoder` type, and its `in-house` family, from this plugin alone. */
const myEncoderPlugin: PluginFactory = () =>
  defineFamilyPlugin({
    name: PLUGIN_NAME,
    family: FAMILY,
    modelTypes: [TYPE],
    templateVersion: TEMPLATE_VERSION,
    claim: (ctx) =>
      ctx.config?.model_type === TYPE
        ? {
            ref: ctx.ref.ref,
            modelType: TYPE,
            family: FAMILY,
            tasks: ['feature-extraction'],
            runtimeSupport: 'unsupported',
            confidence: 'high',
            reason: 'config.json model_type is my_encoder',
          }
        : undefined,
    async synthesize(_type, dir, { seed, size }) {
      const tok = wordPieceTokenizer();
      const hidden = size === 'micro' ? 16 : 32;
      const graph = buildEncoderGraph(
        {
          vocab: tok.vocabSize,
          hidden,
          layers: 1,
          heads: 2,
          inner: hidden * 2,
          maxPos: 64,
          tokenTypeIds: false,
          head: 'none',
        },
        seed,
      );
      const files = await saveGraph(graph, join(dir, 'onnx', 'model.onnx'));
      // The type's own config keys: what the team's exporter writes.
      files.push(
        await writeJson(join(dir, 'config.json'), {
          model_type: TYPE,
          architectures: ['MyEncoderModel'],
          my_vocab: tok.vocabSize,
          my_width: hidden,
          my_depth: 1,
          my_heads: 2,
        }),
      );
      files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
      files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
      return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts: { hidden } };
    },
    render: ({ classification: c, prepared, modelDirFromTest }) =>
      renderTemplate(template, {
        header: generatedHeader({ template: `my-encoder@${TEMPLATE_VERSION}`, version: TEMPLATE_VERSION, ref: c.ref }),
        ref: c.ref,
        modelType: c.modelType,
        family: c.family,
        modelDir: modelDirFromTest,
        hidden: prepared.facts?.hidden,
      }),
  });

export default myEncoderPlugin;
