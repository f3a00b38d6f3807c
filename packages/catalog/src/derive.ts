/**
 * The family and tasks of a config type from what a transformers release says of it: its auto
 * tables first (the reference rule, mappings.ts), then, for a type no family-defining table
 * lists, its place as a sub-config (a vision tower is vision), a type sharing its config
 * class, keywords in its class names, and text heads. Used by the catalog build and by
 * `catalog sync` for types the catalog has not seen, so both judge a type the same way.
 */
import { familyFromMappings, tasksFromMappings } from './mappings.ts';
import type { BuiltinFamily, SubConfigRole } from './types.ts';

export interface TypeFacts {
  modelType: string;
  configClass?: string;
  /** Auto tables of transformers and transformers.js that list it. */
  mappings: string[];
  classes: string[];
  parent?: string;
  role?: SubConfigRole;
}

/** What the rule needs to know of other types: their family and tasks. */
export interface DeriveContext {
  familyOf(modelType: string): { family: BuiltinFamily; tasks: string[] } | undefined;
  /** A known type with this config class, other than `except`. */
  sharingConfig(configClass: string, except: string): { modelType: string; family: BuiltinFamily } | undefined;
}

export interface Derived {
  family: BuiltinFamily;
  /** Why: `mapping tables`, `vision tower of clip`, `same-config-as-gpt2`, ... */
  rule: string;
  tasks: string[];
}

const SPEECH_WORDS = /Audio|Speech|Wav|Whisper|Codec|Mel|Speaker|Voice|Tts|TTS|Asr|ASR/;
const VISION_WORDS = /Vision|Image|ViT|Vit|Video|Depth|Segment|Detection|Backbone|Pixel/;
const TEXT_HEADS = [
  'MODEL_FOR_SEQUENCE_CLASSIFICATION',
  'MODEL_FOR_TOKEN_CLASSIFICATION',
  'MODEL_FOR_QUESTION_ANSWERING',
];
/** Tasks of a parent whose text tower generates text (a decoder), not one that embeds it. */
const GENERATIVE = /text-generation|text2text|image-text-to-text|image-to-text|any-to-any|audio-text-to-text/;

const ROLE_TASK: Record<SubConfigRole, string> = {
  text: 'feature-extraction',
  vision: 'image-feature-extraction',
  audio: 'feature-extraction',
  encoder: 'feature-extraction',
  decoder: 'feature-extraction',
  other: 'feature-extraction',
};

function bySubConfig(f: TypeFacts, ctx: DeriveContext): { family: BuiltinFamily; rule: string } | undefined {
  if (!f.parent || !f.role) return undefined;
  const parent = ctx.familyOf(f.parent);
  if (f.role === 'vision') return { family: 'vision', rule: `vision tower of ${f.parent}` };
  if (f.role === 'audio') return { family: 'speech', rule: `audio tower of ${f.parent}` };
  if (!parent) return undefined;
  if (f.role === 'text')
    return parent.tasks.some((t) => GENERATIVE.test(t)) || parent.family === 'decoder-only'
      ? { family: 'decoder-only', rule: `text tower of ${f.parent}, which generates text` }
      : { family: 'encoder-only', rule: `text tower of ${f.parent}, which embeds text` };
  return { family: parent.family, rule: `${f.role === 'other' ? 'part' : f.role} of ${f.parent}` };
}

/** Family by the rule, for a type whose facts a release gave. */
export function deriveFamily(f: TypeFacts, ctx: DeriveContext): { family: BuiltinFamily; rule: string } {
  const byTable = familyFromMappings(f.mappings);
  if (byTable) return { family: byTable, rule: 'mapping tables' };
  const sub = bySubConfig(f, ctx);
  if (sub) return sub;
  const shared = f.configClass ? ctx.sharingConfig(f.configClass, f.modelType) : undefined;
  if (shared) return { family: shared.family, rule: `same-config-as-${shared.modelType}` };
  const names = [...f.classes, f.configClass ?? ''].join(' ');
  if (SPEECH_WORDS.test(names)) return { family: 'speech', rule: 'class-name keywords' };
  if (VISION_WORDS.test(names)) return { family: 'vision', rule: 'class-name keywords' };
  if (f.mappings.some((m) => TEXT_HEADS.includes(m))) return { family: 'encoder-only', rule: 'text-heads-only' };
  return { family: 'other', rule: 'unmapped' };
}

/** Tasks from the tables; else the parent's part of them, the config twin's, or the role's default. */
export function deriveTasks(f: TypeFacts, family: BuiltinFamily, ctx: DeriveContext): string[] {
  const tasks = tasksFromMappings(f.mappings, family);
  // Only the bare MODEL table: a type sharing the config class may say more (nougat -> vision-encoder-decoder).
  if (tasks.length && f.mappings.some((m) => m !== 'MODEL')) return tasks;
  const twin = f.configClass ? ctx.sharingConfig(f.configClass, f.modelType) : undefined;
  const twinTasks = twin ? ctx.familyOf(twin.modelType)?.tasks : undefined;
  if (twinTasks?.length) return [...twinTasks];
  if (tasks.length) return tasks;
  if (family === 'decoder-only') return ['text-generation'];
  if (f.role) return [ROLE_TASK[f.role]];
  return [family === 'vision' ? 'image-feature-extraction' : 'feature-extraction'];
}

export function derive(f: TypeFacts, ctx: DeriveContext): Derived {
  const { family, rule } = deriveFamily(f, ctx);
  return { family, rule, tasks: deriveTasks(f, family, ctx) };
}
