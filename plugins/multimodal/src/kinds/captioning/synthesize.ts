import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import {
  cachedDecoder,
  crossAttnCachedDecoder,
  GraphBuilder,
  imageTower,
  patchCount,
  saveGraph,
  wordPieceTokenizer,
  writeJson,
} from '@hf-core/onnx-builder';
import type { SynthesizedModel, SynthesizeOptions } from '@hf-core/core';
import type { CaptionFacts } from './checks.ts';
import type { V2sFacts } from '../v2s/checks.ts';
import type { VlmFacts } from '../vlm/checks.ts';
import { squareImageProcessor } from '../../shared/processors.ts';
import { SIZES } from '../../shared/sizes.ts';
import { buildEmbedTokens, buildVisionEncoder, imageTokenCount, lmDims } from '../../shared/towers.ts';

/**
 * Image captioners Hugging Face Transformers has and transformers.js 4.3.2 does not register
 * (models/registry.js has no BLIP or GIT class), so they are tested at session level only:
 *
 * - blip (BlipForConditionalGeneration): a ViT vision encoder (`onnx/encoder_model.onnx`,
 *   pixel_values -> last_hidden_state with the class token) and a text decoder that
 *   cross-attends to it (`onnx/decoder_model_merged.onnx`, input_ids + encoder_hidden_states +
 *   KV cache), captions starting at text_config.bos_token_id: the vision-encoder-decoder layout.
 * - git (GitForCausalLM): image features (`onnx/vision_encoder.onnx`, CLIP-like tower + visual
 *   projection) prepended to the token embeddings (`onnx/embed_tokens.onnx`) of a causal text
 *   decoder over inputs_embeds with a KV cache (`onnx/decoder_model_merged.onnx`); the caption
 *   starts at bos_token_id after the image prefix.
 */
export const CAPTIONING_TYPES = ['blip', 'git'] as const;

export const notRegistered = (type: string) =>
  `transformers.js 4.3.2 does not register ${type} (models/registry.js), so no AutoModel class or pipeline loads it: session level only`;

export async function synthesizeCaptioning(
  modelType: string,
  dir: string,
  opts: SynthesizeOptions & { dropPast?: boolean },
): Promise<SynthesizedModel<CaptionFacts>> {
  const s = SIZES[opts.size];
  const tok = wordPieceTokenizer({ tokenizerClass: 'BertTokenizer' });
  const cls = tok.special.cls_token!.id;
  const sep = tok.special.sep_token!.id;
  const pad = tok.special.pad_token!.id;
  const vision = { ...s.vision, channels: 3, imageSize: s.imageSize, patchSize: s.patchSize };
  const dec = s.decoder;
  const files: string[] = [];
  let config: Record<string, unknown>;
  let facts: CaptionFacts;
  if (modelType === 'blip') {
    const d = {
      vocab: tok.vocabSize,
      hidden: dec.hidden,
      layers: dec.layers,
      heads: dec.heads,
      kvHeads: dec.heads,
      headDim: dec.hidden / dec.heads,
      inner: dec.inner,
      maxPos: dec.maxPos,
      memDim: s.vision.hidden,
    };
    const enc = new GraphBuilder({ seed: opts.seed, name: 'encoder_model' });
    const pixels = enc.input('pixel_values', 'float32', ['batch_size', 3, s.imageSize, s.imageSize]);
    enc.output(imageTower(enc, pixels, vision, 'vision_model', { classToken: true }), 'last_hidden_state', 'float32', [
      'batch_size',
      patchCount(vision) + 1,
      s.vision.hidden,
    ]);
    const decoder = new GraphBuilder({ seed: opts.seed, name: 'decoder_model_merged' });
    crossAttnCachedDecoder(decoder, d, { dropPast: opts.dropPast });
    files.push(
      ...(await saveGraph(enc, join(dir, 'onnx', 'encoder_model.onnx'))),
      ...(await saveGraph(decoder, join(dir, 'onnx', 'decoder_model_merged.onnx'))),
    );
    config = {
      model_type: 'blip',
      architectures: ['BlipForConditionalGeneration'],
      projection_dim: s.projection,
      image_text_hidden_size: s.projection,
      logit_scale_init_value: 2.6592,
      label_smoothing: 0.0,
      text_config: {
        model_type: 'blip_text_model',
        vocab_size: d.vocab,
        hidden_size: d.hidden,
        encoder_hidden_size: s.vision.hidden,
        intermediate_size: d.inner,
        num_hidden_layers: d.layers,
        num_attention_heads: d.heads,
        max_position_embeddings: d.maxPos,
        hidden_act: 'gelu',
        layer_norm_eps: 1e-12,
        is_decoder: true,
        use_cache: true,
        bos_token_id: cls,
        eos_token_id: sep,
        sep_token_id: sep,
        pad_token_id: pad,
      },
      vision_config: {
        model_type: 'blip_vision_model',
        hidden_size: s.vision.hidden,
        intermediate_size: s.vision.inner,
        projection_dim: s.projection,
        num_hidden_layers: s.vision.layers,
        num_attention_heads: s.vision.heads,
        image_size: s.imageSize,
        patch_size: s.patchSize,
        num_channels: 3,
        hidden_act: 'gelu',
        layer_norm_eps: 1e-5,
      },
    };
    const v2s: V2sFacts = {
      kind: 'v2s',
      imageSize: s.imageSize,
      channels: 3,
      visionConfigPath: ['vision_config'],
      vocabSize: d.vocab,
      encoderTokens: patchCount(vision) + 1,
      encoderHidden: s.vision.hidden,
      layers: d.layers,
      heads: d.heads,
      headDim: d.headDim,
      startId: cls,
    };
    facts = {
      kind: 'captioning',
      layout: 'cross-attention',
      pipelineUnsupported: notRegistered('blip'),
      startId: cls,
      v2s,
    };
    files.push(
      await writeJson(
        join(dir, 'preprocessor_config.json'),
        squareImageProcessor('BlipImageProcessor', s.imageSize, { processor_class: 'BlipProcessor' }),
      ),
    );
  } else if (modelType === 'git') {
    const d = lmDims(s, tok.vocabSize);
    const visionEnc = buildVisionEncoder(s, d.hidden, { classToken: false }, opts.seed);
    const decoder = new GraphBuilder({ seed: opts.seed, name: 'decoder_model_merged' });
    cachedDecoder(decoder, d, { input: 'inputs_embeds', dropPast: opts.dropPast });
    files.push(
      ...(await saveGraph(buildEmbedTokens(d, opts.seed), join(dir, 'onnx', 'embed_tokens.onnx'))),
      ...(await saveGraph(visionEnc, join(dir, 'onnx', 'vision_encoder.onnx'))),
      ...(await saveGraph(decoder, join(dir, 'onnx', 'decoder_model_merged.onnx'))),
    );
    config = {
      model_type: 'git',
      architectures: ['GitForCausalLM'],
      vocab_size: d.vocab,
      hidden_size: d.hidden,
      num_hidden_layers: d.layers,
      num_attention_heads: d.heads,
      intermediate_size: d.inner,
      hidden_act: 'gelu',
      max_position_embeddings: d.maxPos,
      position_embedding_type: 'absolute',
      layer_norm_eps: 1e-12,
      use_cache: true,
      tie_word_embeddings: false,
      num_image_with_embedding: null,
      bos_token_id: cls,
      eos_token_id: sep,
      pad_token_id: pad,
      vision_config: {
        model_type: 'git_vision_model',
        hidden_size: s.vision.hidden,
        intermediate_size: s.vision.inner,
        num_hidden_layers: s.vision.layers,
        num_attention_heads: s.vision.heads,
        num_channels: 3,
        image_size: s.imageSize,
        patch_size: s.patchSize,
        hidden_act: 'quick_gelu',
        layer_norm_eps: 1e-5,
      },
    };
    const vlm: VlmFacts = {
      kind: 'vlm',
      imageSize: s.imageSize,
      channels: 3,
      visionConfigPath: ['vision_config'],
      vocabSize: d.vocab,
      hidden: d.hidden,
      layers: d.layers,
      kvHeads: d.kvHeads,
      headDim: d.headDim,
      imageTokens: imageTokenCount(s),
      imageTokenId: -1,
      prompt: '',
      positionStart: 0,
      textFirst: false,
    };
    facts = { kind: 'captioning', layout: 'prefix', pipelineUnsupported: notRegistered('git'), startId: cls, vlm };
    files.push(
      await writeJson(
        join(dir, 'preprocessor_config.json'),
        squareImageProcessor('CLIPImageProcessor', s.imageSize, { processor_class: 'GitProcessor' }),
      ),
    );
  } else {
    throw new Error(
      `multimodal plugin: no captioning spec for "${modelType}"; it covers ${CAPTIONING_TYPES.join(', ')}`,
    );
  }
  files.push(
    await writeJson(join(dir, 'config.json'), {
      ...config,
      transformers_version: '4.57.0',
      hf_core: { synthesized: true, seed: opts.seed, size: opts.size },
    }),
  );
  files.push(
    await writeJson(join(dir, 'generation_config.json'), {
      bos_token_id: cls,
      eos_token_id: sep,
      pad_token_id: pad,
      transformers_version: '4.57.0',
    }),
  );
  files.push(await writeJson(join(dir, 'tokenizer.json'), tok.tokenizerJson));
  files.push(await writeJson(join(dir, 'tokenizer_config.json'), tok.tokenizerConfig));
  await writeFile(
    join(dir, 'README.md'),
    `Tiny random ${modelType} captioner synthesized by hf-core (seed ${opts.seed}). Not a trained model. ${facts.pipelineUnsupported}.\n`,
  );
  return { dir, files: files.map((f) => f.slice(dir.length + 1)), synthesized: true, facts };
}
