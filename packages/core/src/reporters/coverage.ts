import { listEntries } from '@hf-core/catalog';
import type { ModelResult } from '../types.ts';

/** How much of the catalog a run covers: the headline number of the reports. */
export interface CatalogCoverage {
  /** Every model type of the catalog (Hugging Face Transformers and transformers.js). */
  types: number;
  /** Catalog types with at least one passing row. */
  passing: number;
  /** Catalog types with at least one row that ran (not a skip). */
  ran: number;
}

export function catalogCoverage(results: readonly ModelResult[]): CatalogCoverage {
  const known = new Set(listEntries().map((e) => e.modelType));
  const typesWith = (keep: (r: ModelResult) => boolean) =>
    new Set(results.filter((r) => r.modelType && known.has(r.modelType) && keep(r)).map((r) => r.modelType)).size;
  return {
    types: known.size,
    passing: typesWith((r) => r.status === 'pass'),
    ran: typesWith((r) => r.status !== 'skip'),
  };
}
