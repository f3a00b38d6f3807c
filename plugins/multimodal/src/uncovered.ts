/**
 * Multimodal types of transformers.js 4.3.2 this plugin does not synthesize yet, each with the
 * reason (the report lists them; nothing is dropped silently).
 */
export const UNCOVERED: Record<string, string> = {};
