/** Multimodal types this plugin does not synthesize yet, each with the reason (the report lists them). */
export const UNCOVERED: Record<string, string> = {};
