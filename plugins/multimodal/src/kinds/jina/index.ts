import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { JinaFacts } from './checks.ts';
import { synthesizeJina } from './synthesize.ts';

/** Jina CLIP: text and image embeddings. */
const jina: MultimodalKind<JinaFacts> = {
  name: 'jina',
  modelTypes: ['jina_clip'],
  synthesize: synthesizeJina,
  template: kindTemplate(import.meta.url),
};

export default jina;
