import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { ClipSegFacts } from './checks.ts';
import { synthesizeClipSeg } from './synthesize.ts';

/** CLIPSeg: text-prompted segmentation masks. */
const clipseg: MultimodalKind<ClipSegFacts> = {
  name: 'clipseg',
  modelTypes: ['clipseg'],
  synthesize: synthesizeClipSeg,
  template: kindTemplate(import.meta.url),
};

export default clipseg;
