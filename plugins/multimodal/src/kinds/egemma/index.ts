import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { EGemmaFacts } from './checks.ts';
import { synthesizeEGemma } from './synthesize.ts';

/** EmbeddingGemma 2: text and image embeddings. */
const egemma: MultimodalKind<EGemmaFacts> = {
  name: 'egemma',
  modelTypes: ['embedding_gemma2'],
  synthesize: synthesizeEGemma,
  template: kindTemplate(import.meta.url),
};

export default egemma;
