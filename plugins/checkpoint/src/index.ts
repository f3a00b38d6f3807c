import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLASSIFY_STAGE,
  classifyFromCatalog,
  discoverModelFolder,
  generatedHeader,
  hasOnnxFiles,
  PREPARE_STAGE,
  renderTemplate,
  TEMPLATE_STAGE,
  type Classification,
  type ClassifyContext,
  type PluginFactory,
  type PreparedModel,
  type TemplateContext,
} from '@hf-core/core';
import { familyFromGraph } from './family.ts';
import { readGenaiConfig, readJsonObject, statedModelType } from './folder-config.ts';
import { contribOps, planCheckpoint } from './plan.ts';

export const PLUGIN_NAME = 'hf-core:checkpoint';
export const TEMPLATE_VERSION = 1;
export const TEMPLATE_NAME = `checkpoint@${TEMPLATE_VERSION}`;

const template = readFileSync(new URL('../templates/test.eta', import.meta.url), 'utf8');

/**
 * Claims a folder of ONNX files that the catalog cannot place (no config.json, an unreadable one,
 * one without model_type, or a model_type it does not know): by the type genai_config.json
 * states, by config.json's architectures, or by what its graph takes and returns.
 */
function claimByGraph(ctx: ClassifyContext): Classification | undefined {
  if (!ctx.modelDir || !hasOnnxFiles(ctx.modelDir)) return undefined;
  const catalog = ctx.config ? classifyFromCatalog(ctx) : undefined;
  if (catalog?.family) return undefined;
  const config = readJsonObject(ctx.modelDir, 'config.json');
  const genai = readGenaiConfig(ctx.modelDir).config;
  const stated = statedModelType(config.value, genai);
  const byType = stated ? classifyFromCatalog({ ref: { kind: 'type', modelType: stated, ref: stated } }) : undefined;
  const architectures = config.value?.architectures;
  const byArch =
    !byType?.family && Array.isArray(architectures)
      ? classifyFromCatalog({ ref: ctx.ref, config: { architectures } })
      : undefined;
  const known = byType?.family ? byType : byArch?.family ? byArch : undefined;
  const configSays = !(config.value || config.problem)
    ? 'no config.json'
    : (config.problem ??
      (ctx.config ? `the catalog cannot place it (${catalog?.reason})` : 'config.json has no model_type'));
  if (known) {
    const source = byType?.family
      ? `model type "${stated}" from ${config.value?.model_type ? 'config.json' : 'genai_config.json'}`
      : 'config.json architectures';
    return {
      ...known,
      ref: ctx.ref.ref,
      modelType: stated ?? known.modelType,
      confidence: 'medium',
      reason: `${configSays}; family ${known.family} from the ${source}`,
    };
  }
  const graph = familyFromGraph(discoverModelFolder(ctx.modelDir));
  return {
    ref: ctx.ref.ref,
    modelType: stated ?? null,
    family: graph.family,
    tasks: [],
    runtimeSupport: catalog?.runtimeSupport ?? 'unsupported',
    confidence: 'medium',
    reason: `${configSays}; ${graph.reason}`,
  };
}

/** The folder as it is: the chosen dtype's ONNX files, their external data, and the support files. */
function prepareFolder(c: Classification & { modelDir: string }): PreparedModel {
  const plan = planCheckpoint(c.modelDir, {
    dtype: c.dtype,
    runtimeSupport: c.runtimeSupport,
    fallbackFrom: c.fallbackFrom,
  });
  const folder = discoverModelFolder(c.modelDir);
  return {
    dir: c.modelDir,
    files: [...plan.files.flatMap((f) => [f.path, ...f.externalData]), ...folder.supportFiles],
    synthesized: false,
    facts: {
      dtype: plan.dtype,
      variants: Object.keys(folder.variants),
      level: plan.pipeline.kind === 'none' ? 'session' : 'pipeline',
      levelReason: plan.pipeline.kind === 'none' ? plan.pipeline.reason : 'the highest level hf-core tests',
      generation: plan.generation?.layout ?? null,
      ...(plan.seq2seq ? { seq2seq: plan.seq2seq } : {}),
      contribOps: plan.files.flatMap((f) => contribOps(f.header)),
      mismatches: plan.mismatches,
    },
  };
}

/** What the template reads of the facts this plugin prepared (other fields are recorded for the report). */
interface CheckpointFacts {
  /** A catalog type with no folder: the test reads its folder from HF_CORE_MODEL_DIR. */
  envDriven?: boolean;
  dtype?: string;
}

function render(ctx: TemplateContext): string {
  const c = ctx.classification;
  const facts: CheckpointFacts = ctx.prepared.facts ?? {};
  const envDriven = !!facts.envDriven;
  return renderTemplate(template, {
    header: generatedHeader({ template: TEMPLATE_NAME, version: TEMPLATE_VERSION, ref: c.ref }),
    envDriven,
    ref: c.ref,
    modelType: c.modelType,
    family: c.family,
    modelDir: ctx.modelDirFromTest,
    dtype: facts.dtype ?? c.dtype,
    files: ctx.prepared.files.filter((f) => f.endsWith('.onnx')),
    runtimeSupport: c.runtimeSupport,
    fallbackFrom: c.fallbackFrom,
  });
}

/**
 * Real checkpoints: a model folder (optimum or transformers.js layout, any dtype, external data)
 * is tested from its ONNX metadata, and through transformers.js where the folder allows. For a
 * catalog type no family plugin synthesizes, the test reads its folder from HF_CORE_MODEL_DIR.
 */
const checkpointPlugin: PluginFactory = () => ({
  name: PLUGIN_NAME,
  apply(core) {
    // After the family plugins, just before the catalog fallback (which answers everything).
    core.hooks.classify.tapPromise({ name: PLUGIN_NAME, stage: CLASSIFY_STAGE.FALLBACK - 1 }, async (ctx) =>
      claimByGraph(ctx),
    );
    core.hooks.prepare.tapPromise({ name: PLUGIN_NAME, stage: PREPARE_STAGE.SOURCE }, async (ctx) => {
      const c = ctx.classification;
      if (c.modelDir) return prepareFolder({ ...c, modelDir: c.modelDir });
      if (c.modelType && !core.synthesizableTypes().includes(c.modelType)) {
        return { dir: join(ctx.targetDir), files: [], synthesized: false, facts: { envDriven: true } };
      }
      return undefined;
    });
    core.hooks.template.tapPromise({ name: PLUGIN_NAME, stage: TEMPLATE_STAGE.RENDER }, async (out, ctx) => {
      if (out.source || ctx.prepared.synthesized) return out;
      return { source: render(ctx), templateVersion: TEMPLATE_VERSION, template: TEMPLATE_NAME };
    });
  },
});

export default checkpointPlugin;
export { planCheckpoint, contribOps, type CheckpointPlan, type PlannedFile } from './plan.ts';
export { readOnnxHeader, externalDataProblems, type OnnxHeader } from './onnx-header.ts';
export { familyFromGraph } from './family.ts';
