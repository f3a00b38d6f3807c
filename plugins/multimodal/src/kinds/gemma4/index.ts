import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { Gemma4Facts } from './checks.ts';
import { synthesizeGemma4 } from './synthesize.ts';

/** Gemma 4: image- and audio-text-to-text with patch-position vision and kv-shared layers. */
const gemma4: MultimodalKind<Gemma4Facts> = {
  name: 'gemma4',
  modelTypes: ['gemma4'],
  synthesize: synthesizeGemma4,
  template: kindTemplate(import.meta.url),
};

export default gemma4;
