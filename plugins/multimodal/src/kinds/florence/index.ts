import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { FlorenceFacts } from './checks.ts';
import { synthesizeFlorence } from './synthesize.ts';

/** Florence-2: image-text-to-text through a BART-style encoder-decoder. */
const florence: MultimodalKind<FlorenceFacts> = {
  name: 'florence',
  modelTypes: ['florence2'],
  synthesize: synthesizeFlorence,
  template: kindTemplate(import.meta.url),
};

export default florence;
