import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';

/**
 * One multimodal kind: a family of model types that share a session layout, a synthesizer, a
 * set of checks and a test template. Each lives in its own folder `kinds/<kind>/` (synthesize.ts,
 * checks.ts, test.eta) and exports its record as the folder's default; `index.ts` builds the
 * plugin's tables from the `KINDS` array. `F` is the facts type its synthesizer writes, its
 * template renders and its checks take.
 */
export interface MultimodalKind<F extends object> {
  /** Names the template in generated headers: `multimodal-<name>@<version>`. */
  name: string;
  /** The model types it synthesizes. */
  modelTypes: readonly string[];
  synthesize(modelType: string, dir: string, opts: SynthesizeOptions): Promise<SynthesizedModel<F>>;
  /** The kind's test template (`test.eta` in its folder: see `kindTemplate`). */
  template: URL;
}

/** The facts type of a kind record. */
export type FactsOf<K> = K extends MultimodalKind<infer F> ? F : never;

/**
 * The `test.eta` beside a kind's source module. Templates ship in `src/` (not compiled), so a
 * module running from `dist/kinds/<kind>/` reads the one in `src/kinds/<kind>/`.
 */
export function kindTemplate(moduleUrl: string): URL {
  return new URL('test.eta', moduleUrl.replace('/dist/kinds/', '/src/kinds/'));
}
