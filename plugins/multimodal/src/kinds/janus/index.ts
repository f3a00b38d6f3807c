import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { JanusFacts } from './checks.ts';
import { synthesizeJanus } from './synthesize.ts';

/** Janus (multi_modality): image understanding through a prepare-inputs-embeds session. */
const janus: MultimodalKind<JanusFacts> = {
  name: 'janus',
  modelTypes: ['multi_modality'],
  synthesize: synthesizeJanus,
  template: kindTemplate(import.meta.url),
};

export default janus;
