import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { GdinoFacts } from './checks.ts';
import { synthesizeGdino } from './synthesize.ts';

/** Grounding DINO: text-prompted object detection. */
const gdino: MultimodalKind<GdinoFacts> = {
  name: 'gdino',
  modelTypes: ['grounding-dino'],
  synthesize: synthesizeGdino,
  template: kindTemplate(import.meta.url),
};

export default gdino;
