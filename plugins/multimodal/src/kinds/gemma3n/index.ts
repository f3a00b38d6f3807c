import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { Gemma3nFacts } from './checks.ts';
import { synthesizeGemma3n } from './synthesize.ts';

/** Gemma 3n: image- and audio-text-to-text with per-layer inputs. */
const gemma3n: MultimodalKind<Gemma3nFacts> = {
  name: 'gemma3n',
  modelTypes: ['gemma3n'],
  synthesize: synthesizeGemma3n,
  template: kindTemplate(import.meta.url),
};

export default gemma3n;
