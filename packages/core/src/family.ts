import { readFileSync } from 'node:fs';
import { getEntry } from '@hf-core/catalog';
import { generatedHeader, renderTemplate } from './template.ts';
import type { HfCore } from './core.ts';
import {
  CLASSIFY_STAGE,
  PREPARE_STAGE,
  TEMPLATE_STAGE,
  type ClassifyContext,
  type PrepareContext,
  type TemplateContext,
} from './hooks.ts';
import type { HfCorePlugin } from './plugin.ts';
import type { Classification, Family, PreparedModel } from './types.ts';

export interface SynthesizeOptions {
  size: 'tiny' | 'micro';
  seed: number;
}

/**
 * A model a family plugin synthesized, with its facts: one type `F` that the synthesizer
 * writes, the template renders (as an escaped literal, annotated with the same type in the
 * generated test) and the family's checks take.
 */
export interface SynthesizedModel<F extends object> extends PreparedModel<F> {
  synthesized: true;
  facts: F;
}

/** The template context of a model the family synthesized: its facts have the family's type. */
export interface FamilyTemplateContext<F extends object> extends Omit<TemplateContext, 'prepared'> {
  prepared: SynthesizedModel<F>;
}

/** Everything a family plugin knows, in one object. `defineFamilyPlugin` wires it to the hooks. */
export interface FamilyDefinition<F extends object> {
  /** Plugin name, used as the tap name: `hf-core:encoder`. */
  name: string;
  family: Family;
  /** Model types it can synthesize and test offline. */
  modelTypes: readonly string[];
  /** Types of its family it cannot test yet, with the reason (reported, never dropped). */
  uncovered?: Readonly<Record<string, string>>;
  /**
   * Claims a model the type list does not name (a config or folder of this family).
   * Return undefined to let the next plugin or core's fallback answer.
   */
  claim?(ctx: ClassifyContext): Classification | undefined;
  /** Writes a tiny random model of `modelType` into `dir`. */
  synthesize(modelType: string, dir: string, opts: SynthesizeOptions): Promise<SynthesizedModel<F>>;
  /**
   * The family's eta template file. Rendered with `familyTemplateData`: `header`, `ref`,
   * `modelType`, `family`, `modelDir` (relative to the test file) and `facts` (from the
   * synthesizer), each an escaped literal. Give `render` instead to pass other data.
   */
  template?: URL;
  /** Renders the vitest source of the test for one model (default: `template` with the data above). */
  render?(ctx: FamilyTemplateContext<F>): string;
  templateVersion: number;
}

/** The data every family template gets. */
export interface FamilyTemplateData<F extends object> {
  header: string;
  ref: string;
  modelType: string | null;
  family: Family | null;
  modelDir: string;
  facts: F;
}

/** Builds the data every family template gets, from the family and the model's context. */
export function familyTemplateData<F extends object>(
  def: Pick<FamilyDefinition<F>, 'family' | 'templateVersion'>,
  ctx: FamilyTemplateContext<F>,
): FamilyTemplateData<F> {
  const c = ctx.classification;
  return {
    header: generatedHeader({
      template: `${def.family}@${def.templateVersion}`,
      version: def.templateVersion,
      ref: c.ref,
    }),
    ref: c.ref,
    modelType: c.modelType,
    family: c.family,
    modelDir: ctx.modelDirFromTest,
    facts: ctx.prepared.facts,
  };
}

function renderer<F extends object>(def: FamilyDefinition<F>): (ctx: FamilyTemplateContext<F>) => string {
  if (def.render) return def.render.bind(def);
  if (!def.template) throw new Error(`family plugin ${def.name} has neither a template nor a render function`);
  const text = readFileSync(def.template, 'utf8');
  return (ctx) => renderTemplate(text, familyTemplateData(def, ctx));
}

/**
 * The template context of a model this plugin synthesized (a type it lists, synthesized, of its
 * family), or undefined for any other model. Its facts were written by this plugin's
 * `synthesize`, directly or read back from the folder it stamped (`hf-core.prepared.json`), so
 * they have its facts type: the one place where they cross back from core's `object`.
 */
function ownModel<F extends object>(
  def: FamilyDefinition<F>,
  types: ReadonlySet<string>,
  ctx: TemplateContext,
): FamilyTemplateContext<F> | undefined {
  const { classification: c, prepared } = ctx;
  if (c.family !== def.family || !c.modelType || !types.has(c.modelType)) return undefined;
  if (!prepared.synthesized || !prepared.facts) return undefined;
  return { ...ctx, prepared: { ...prepared, synthesized: true, facts: prepared.facts as F } };
}

function classificationFor<F extends object>(def: FamilyDefinition<F>, modelType: string, ref: string): Classification {
  const entry = getEntry(modelType);
  return {
    ref,
    modelType,
    family: def.family,
    tasks: entry?.tasks ?? [],
    runtimeSupport: entry?.runtimeSupport ?? 'unsupported',
    confidence: 'high',
    reason: `model type "${modelType}" is one the ${def.name} plugin synthesizes`,
  };
}

/** Builds a family plugin from its definition: classify, prepare and template taps. */
export function defineFamilyPlugin<F extends object>(def: FamilyDefinition<F>): HfCorePlugin {
  const types = new Set(def.modelTypes);
  const render = renderer(def);
  return {
    name: def.name,
    apply(core: HfCore) {
      core.registerFamily({
        plugin: def.name,
        family: def.family,
        modelTypes: def.modelTypes,
        uncovered: def.uncovered,
      });
      core.hooks.classify.tapPromise({ name: def.name, stage: CLASSIFY_STAGE.FAMILY }, async (ctx) => {
        if (ctx.ref.kind === 'type' && types.has(ctx.ref.modelType)) {
          return classificationFor(def, ctx.ref.modelType, ctx.ref.ref);
        }
        return def.claim?.(ctx);
      });
      core.hooks.prepare.tapPromise(
        { name: def.name, stage: PREPARE_STAGE.SYNTHESIZE },
        async (ctx: PrepareContext) => {
          const { classification: c } = ctx;
          if (c.modelDir || !c.modelType || !types.has(c.modelType)) return undefined;
          return def.synthesize(c.modelType, ctx.targetDir, { size: ctx.size, seed: ctx.seed });
        },
      );
      core.hooks.template.tapPromise({ name: def.name, stage: TEMPLATE_STAGE.RENDER }, async (out, ctx) => {
        // Family templates are rendered with the synthesizer's facts; a real checkpoint folder is
        // rendered by a plugin that reads its metadata instead.
        const own = out.source ? undefined : ownModel(def, types, ctx);
        if (!own) return out;
        return {
          source: render(own),
          templateVersion: def.templateVersion,
          template: `${def.family}@${def.templateVersion}`,
        };
      });
    },
  };
}
