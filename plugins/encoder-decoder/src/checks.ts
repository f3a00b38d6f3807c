/** What generated encoder-decoder tests import: session-level and pipeline-level checks. */
export * from './session-checks.ts';
export * from './pipeline-checks.ts';
