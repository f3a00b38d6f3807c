import { readFileSync } from 'node:fs';
import { defineFamilyPlugin, generatedHeader, renderTemplate, type PluginFactory } from '@hf-core/core';
import { SPEECH_TYPES, UNCOVERED } from './specs.ts';
import { synthesizeSpeech } from './synthesize.ts';

export const PLUGIN_NAME = 'hf-core:speech';
export const TEMPLATE_VERSION = 1;

const template = readFileSync(new URL('../templates/test.eta', import.meta.url), 'utf8');

/** Speech family: CTC and audio-classification encoders over raw audio or spectrograms, and Whisper. */
const speechPlugin: PluginFactory = () =>
  defineFamilyPlugin({
    name: PLUGIN_NAME,
    family: 'speech',
    modelTypes: SPEECH_TYPES,
    uncovered: UNCOVERED,
    templateVersion: TEMPLATE_VERSION,
    synthesize: synthesizeSpeech,
    render: ({ classification: c, prepared, modelDirFromTest }) => {
      const facts = prepared.facts ?? {};
      return renderTemplate(template, {
        header: generatedHeader({ template: `speech@${TEMPLATE_VERSION}`, version: TEMPLATE_VERSION, ref: c.ref }),
        ref: c.ref,
        modelType: c.modelType,
        family: c.family,
        modelDir: modelDirFromTest,
        modelFile:
          facts.head === 'seq2seq' || facts.head === 'codec' || facts.head === 'speecht5'
            ? 'onnx/encoder_model.onnx'
            : facts.head === 'diffusion-tts' || facts.head === 'musicgen'
              ? 'onnx/text_encoder.onnx'
              : 'onnx/model.onnx',
        facts,
      });
    },
  });

export default speechPlugin;
export { SPEECH_SPECS, SPEECH_TYPES, UNCOVERED } from './specs.ts';
export { buildAudioEncoder, synthesizeSpeech } from './synthesize.ts';
