import { kindTemplate, type MultimodalKind } from '../../kind.ts';
import type { ClapFacts } from './checks.ts';
import { synthesizeClap } from './synthesize.ts';

/** CLAP: zero-shot audio classification. */
const clap: MultimodalKind<ClapFacts> = {
  name: 'clap',
  modelTypes: ['clap'],
  synthesize: synthesizeClap,
  template: kindTemplate(import.meta.url),
};

export default clap;
