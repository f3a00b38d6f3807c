import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { DualFacts } from './checks.ts';
import { DUAL_SPECS, synthesizeDual } from './synthesize.ts';

/** Dual encoders (CLIP and its kin): zero-shot image classification, text and image embeddings. */
const dual: MultimodalKind<DualFacts> = {
  name: 'dual',
  modelTypes: Object.keys(DUAL_SPECS),
  synthesize: synthesizeDual,
  template: kindTemplate(import.meta.url),
};

export default dual;
