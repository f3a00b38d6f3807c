/** The seven architecture families of the catalog. */
export const FAMILIES = [
  'encoder-only',
  'decoder-only',
  'encoder-decoder',
  'vision',
  'speech',
  'multimodal',
  'other',
] as const;
export type Family = (typeof FAMILIES)[number];

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
}

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
  tjs?: { categories: string[]; taskMappings: string[]; autoModelClass?: string };
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
  /** Model class names known for the type (transformers.js registry), e.g. `GPT2LMHeadModel`. */
  classNames?: string[];
}
