import { defineFamilyPlugin, type PluginFactory } from '@hf-core/core';
import { VISION_TYPES, VISION_UNCOVERED } from './specs.ts';
import { synthesizeVision } from './synthesize.ts';

export const PLUGIN_NAME = 'hf-core:vision';
export const TEMPLATE_VERSION = 1;

/** Vision family: patch encoders, conv nets and dense-prediction models, tested on images the tests make. */
const visionPlugin: PluginFactory = () =>
  defineFamilyPlugin({
    name: PLUGIN_NAME,
    family: 'vision',
    modelTypes: VISION_TYPES,
    uncovered: VISION_UNCOVERED,
    templateVersion: TEMPLATE_VERSION,
    synthesize: synthesizeVision,
    template: new URL('../templates/test.eta', import.meta.url),
  });

export default visionPlugin;
export { VISION_SPECS, VISION_TYPES, VISION_UNCOVERED } from './specs.ts';
export { buildVisionGraph, synthesizeVision } from './synthesize.ts';
