import { readFileSync } from 'node:fs';
import { defineFamilyPlugin, generatedHeader, renderTemplate, type PluginFactory } from '@hf-core/core';
import { VISION_TYPES, VISION_UNCOVERED } from './specs.ts';
import { synthesizeVision } from './synthesize.ts';

export const PLUGIN_NAME = 'hf-core:vision';
export const TEMPLATE_VERSION = 1;

const template = readFileSync(new URL('../templates/test.eta', import.meta.url), 'utf8');

/** Vision family: patch encoders, conv nets and dense-prediction models, tested on images the tests make. */
const visionPlugin: PluginFactory = () =>
  defineFamilyPlugin({
    name: PLUGIN_NAME,
    family: 'vision',
    modelTypes: VISION_TYPES,
    uncovered: VISION_UNCOVERED,
    templateVersion: TEMPLATE_VERSION,
    synthesize: synthesizeVision,
    render: ({ classification: c, prepared, modelDirFromTest }) =>
      renderTemplate(template, {
        header: generatedHeader({ template: `vision@${TEMPLATE_VERSION}`, version: TEMPLATE_VERSION, ref: c.ref }),
        ref: c.ref,
        modelType: c.modelType,
        family: c.family,
        modelDir: modelDirFromTest,
        facts: prepared.facts ?? {},
      }),
  });

export default visionPlugin;
export { VISION_SPECS, VISION_TYPES, VISION_UNCOVERED } from './specs.ts';
export { buildVisionGraph, synthesizeVision } from './synthesize.ts';
