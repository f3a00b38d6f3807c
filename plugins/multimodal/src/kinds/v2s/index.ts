import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { V2sFacts } from './checks.ts';
import { synthesizeV2s } from './synthesize.ts';

/** Vision encoder-decoder: image-to-text with a cross-attending text decoder. */
const v2s: MultimodalKind<V2sFacts> = {
  name: 'v2s',
  modelTypes: ['vision-encoder-decoder'],
  synthesize: synthesizeV2s,
  template: kindTemplate(import.meta.url),
};

export default v2s;
