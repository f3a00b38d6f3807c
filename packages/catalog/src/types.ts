/**
 * The seven built-in architecture families. A family plugin may declare a family of its own
 * (`defineFamilyPlugin({ family: 'in-house', ... })`): `Family` is open to any name, and these
 * are the ones the catalog sorts Hugging Face types into.
 */
export const FAMILIES = [
  'encoder-only',
  'decoder-only',
  'encoder-decoder',
  'vision',
  'speech',
  'multimodal',
  'other',
] as const;
export type BuiltinFamily = (typeof FAMILIES)[number];
/** A built-in family, or one a family plugin declares (any other name). */
export type Family = BuiltinFamily | (string & {});

/** Whether a family name is one of the seven built-in ones. */
export function isBuiltinFamily(name: string): name is BuiltinFamily {
  return (FAMILIES as readonly string[]).includes(name);
}

/**
 * What a sub-config is to the model that holds it (`vision_config` -> vision): a text, vision
 * or audio tower, an encoder or a decoder, or another part (a Q-Former, a patcher).
 */
export type SubConfigRole = 'text' | 'vision' | 'audio' | 'encoder' | 'decoder' | 'other';

export type Confidence = 'high' | 'medium' | 'low';

/** The answer to "what is this model?", as the catalog and classify rules give it. */
export interface ClassificationBase {
  ref: string;
  /** Hugging Face `model_type`, or null when it could not be determined. */
  modelType: string | null;
  family: Family | null;
  tasks: string[];
  /** transformers.js support: its MODEL_TYPES categories joined by ',', or 'unsupported'. */
  runtimeSupport: string;
  confidence: Confidence;
  reason: string;
  /** The signal that decided the family: `model_type`, `architectures`, `auto_map`, ... */
  decidedBy?: ClassifySignal;
  /** For a sub-config type: the model type that holds it and its role there. */
  subConfigOf?: { modelType: string; role: SubConfigRole };
}

/** The signals of a config.json classification can rest on, strongest first. */
export type ClassifySignal =
  | 'model_type'
  | 'architectures'
  | 'auto_map'
  | 'genai-model'
  | 'nested-configs'
  | 'structure'
  | 'synced';

export interface CatalogEntry {
  modelType: string;
  family: Family;
  /** Pipeline task names, e.g. `fill-mask`, `text-generation`. */
  tasks: string[];
  /** Hugging Face config class, e.g. `BertConfig` (absent for types only transformers.js has). */
  configClass?: string;
  /** Hugging Face auto-mapping tables the type appears in, e.g. `MODEL_FOR_CAUSAL_LM`. */
  hfMappings: string[];
  /** transformers.js registration, when it registers the type. */
  tjs?: {
    categories: string[];
    taskMappings: string[];
    autoModelClass?: string;
    /** Model classes transformers.js registers for the type, e.g. `GPT2LMHeadModel`. */
    classNames?: string[];
  };
  /** transformers.js MODEL_TYPES categories joined by ',', or 'unsupported'. */
  runtimeSupport: string;
  /** Normalized key -> the type's own config key (from transformers.js getNormalizedConfig). */
  configKeys: Record<string, string>;
  /** A small real checkpoint a user with network access would test first. */
  checkpoint?: string;
  /** Other spellings users type for it (`gpt-j` for `gptj`). */
  aliases?: string[];
  /** Why the family differs from the reference table's proposal, when it does. */
  familyNote?: string;
  /** The reference table's proposed family and the rule that chose it (e.g. `causal-lm`). */
  proposedFamily?: Family;
  familyRule?: string;
  /** Where the type is registered: Hugging Face Transformers, transformers.js, or both. */
  sources?: ('transformers' | 'transformers.js')[];
  /** Model classes transformers' auto tables name for the type, e.g. `GPT2LMHeadModel`. */
  classNames?: string[];
  /** For a sub-config type (`clip_vision_model`): the type that holds it and its role there. */
  parent?: string;
  role?: SubConfigRole;
  /** The transformers releases the catalog read that list the type (data/releases). */
  releases?: string[];
  /** The first transformers release the catalog read that no longer lists the type. */
  removedIn?: string;
  /** The last transformers release the catalog read that lists it (set with `removedIn`). */
  lastIn?: string;
}
