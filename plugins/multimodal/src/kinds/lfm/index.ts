import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { LfmFacts } from './checks.ts';
import { LFM_TYPES, synthesizeLfmVl } from './synthesize.ts';

/** LFM2-VL: image-text-to-text over a hybrid (attention and short-convolution) decoder. */
const lfm: MultimodalKind<LfmFacts> = {
  name: 'lfm',
  modelTypes: LFM_TYPES,
  synthesize: synthesizeLfmVl,
  template: kindTemplate(import.meta.url),
};

export default lfm;
