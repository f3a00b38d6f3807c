import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { VoxtralRtFacts } from './checks.ts';
import { synthesizeVoxtralRt } from './synthesize.ts';

/** Voxtral Realtime: streaming speech-to-text. */
const voxtralRt: MultimodalKind<VoxtralRtFacts> = {
  name: 'voxtral_rt',
  modelTypes: ['voxtral_realtime'],
  synthesize: synthesizeVoxtralRt,
  template: kindTemplate(import.meta.url),
};

export default voxtralRt;
