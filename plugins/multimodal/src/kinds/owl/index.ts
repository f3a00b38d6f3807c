import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { OwlFacts } from './checks.ts';
import { OWL_SPECS, synthesizeOwl } from './synthesize.ts';

/** OWL-ViT and OWLv2: zero-shot object detection. */
const owl: MultimodalKind<OwlFacts> = {
  name: 'owl',
  modelTypes: Object.keys(OWL_SPECS),
  synthesize: synthesizeOwl,
  template: kindTemplate(import.meta.url),
};

export default owl;
