import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { Phi3vFacts } from './checks.ts';
import { synthesizePhi3v } from './synthesize.ts';

/** Phi-3 Vision: HD-transformed image crops merged into a decoder prompt. */
const phi3v: MultimodalKind<Phi3vFacts> = {
  name: 'phi3v',
  modelTypes: ['phi3_v'],
  synthesize: synthesizePhi3v,
  template: kindTemplate(import.meta.url),
};

export default phi3v;
