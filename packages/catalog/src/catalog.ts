// Placeholder until the catalog data lands (issue 3): lookups answer "unknown".
import type { CatalogEntry, Family } from './types.ts';
export function getEntry(_modelType: string): CatalogEntry | undefined { return undefined; }
export function listEntries(_filter: { family?: Family } = {}): CatalogEntry[] { return []; }
export function suggestTypes(_input: string, _limit = 3): string[] { return []; }
