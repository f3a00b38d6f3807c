export * from './types.ts';
export { getEntry, listEntries, suggestTypes } from './catalog.ts';
