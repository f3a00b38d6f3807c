import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { CaptionFacts } from './checks.ts';
import { CAPTIONING_TYPES, synthesizeCaptioning } from './synthesize.ts';

/** Image captioning models transformers.js loads at session level (BLIP, GIT): greedy captions. */
const captioning: MultimodalKind<CaptionFacts> = {
  name: 'captioning',
  modelTypes: CAPTIONING_TYPES,
  synthesize: synthesizeCaptioning,
  template: kindTemplate(import.meta.url),
};

export default captioning;
