/**
 * Real-checkpoint folders in every layout hf-core must handle, built with the project's own ONNX
 * builder: optimum (top-level model.onnx), transformers.js dtype suffixes (fp16, q8, q4 weights
 * behind Cast / DequantizeLinear), external data, per-layer and stacked KV caches, a contrib-op
 * graph, with and without config and tokenizer; plus broken folders.
 */
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildMergedDecoder,
  flattenPatches,
  patchEmbed,
  buildSeq2SeqEncoder,
  byteLevelBpeTokenizer,
  cachedAttention,
  decoderCausalBias,
  decoderMlp,
  GraphBuilder,
  layerNorm,
  rmsNorm,
  saveGraph,
  saveMergedDecoder,
  SeededRandom,
  subSeed,
  wordPieceTokenizer,
  writeJson,
  type GraphOptions,
  type Seq2SeqArch,
  type SaveOptions,
  type WeightInit,
} from '@hf-core/onnx-builder';
import { floatToHalf } from '@hf-core/harness';
import onnxProto from 'onnx-proto';

export type WeightDtype = 'fp32' | 'fp16' | 'q8' | 'q4';

/** Stores 2-D weights at a lower precision and restores float32 in-graph, as dtype exports do. */
class DtypeGraphBuilder extends GraphBuilder {
  constructor(
    options: GraphOptions,
    private readonly dtype: WeightDtype,
  ) {
    super(options);
  }

  override param(name: string, dims: number[], w: WeightInit = {}): string {
    if (this.dtype === 'fp32' || dims.length !== 2) return super.param(name, dims, w);
    const data = new Float32Array(dims[0]! * dims[1]!);
    const kind = w.init ?? 'normal';
    if (kind === 'ones') data.fill(1);
    else if (kind !== 'zeros') {
      const rng = new SeededRandom(subSeed(this.seed, name));
      for (let i = 0; i < data.length; i++)
        data[i] = kind === 'normal' ? rng.normal() * (w.std ?? 0.02) : (rng.next() * 2 - 1) * (w.scale ?? 0.1);
    }
    if (this.dtype === 'fp16') {
      const half = this.tensor(`${name}_fp16`, { type: 'float16', dims, data: Uint16Array.from(data, floatToHalf) });
      return this.op('Cast', [half], { to: 1 }, { name: `${name}/cast` });
    }
    // Symmetric, one scale per output column (axis 1), as per-channel weight quantization does.
    const levels = this.dtype === 'q8' ? 127 : 7;
    const [rows, cols] = dims as [number, number];
    const scales = Array.from({ length: cols }, (_, c) => {
      let m = 1e-8;
      for (let r = 0; r < rows; r++) m = Math.max(m, Math.abs(data[r * cols + c]!));
      return m / levels;
    });
    const q = Int8Array.from(data, (v, i) =>
      Math.max(-levels - 1, Math.min(levels, Math.round(v / scales[i % cols]!))),
    );
    const qName = this.tensor(`${name}_quantized`, { type: 'int8', dims, data: q });
    const zero = this.tensor(`${name}_zero_point`, { type: 'int8', dims: [cols], data: new Int8Array(cols) });
    return this.op(
      'DequantizeLinear',
      [qName, this.constFloat(scales, `${name}_scale`), zero],
      { axis: 1 },
      { name: `${name}/dequantize` },
    );
  }
}

export interface DecoderOptions {
  vocab?: number;
  hidden?: number;
  heads?: number;
  layers?: number;
  layout?: 'per-layer' | 'stacked';
  dtype?: WeightDtype;
  seed?: number;
  /** Declare an int16 input `prompt_codes`, an element type hf-core does not make feeds for. */
  oddInput?: boolean;
  /** Fault: the present outputs are zeroed, so a cache fed back carries no past (generation must fail). */
  zeroCache?: boolean;
}

/** A tiny causal LM with learned positions and a KV cache in the layout asked for. */
export function decoderGraph(o: DecoderOptions = {}): GraphBuilder {
  const { vocab = 48, hidden = 16, heads = 2, layers = 2, layout = 'per-layer' } = o;
  const d = hidden / heads;
  const g = new DtypeGraphBuilder({ seed: o.seed ?? 7, name: 'checkpoint-decoder' }, o.dtype ?? 'fp32');
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'past_sequence_length + sequence_length']);
  const positions = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  if (o.oddInput) g.input('prompt_codes', 'int8', ['batch_size']);
  const pasts: [string, string][] = [];
  for (let i = 0; i < layers; i++) {
    if (layout === 'per-layer') {
      const dims = ['batch_size', heads, 'past_sequence_length', d];
      pasts.push([
        g.input(`past_key_values.${i}.key`, 'float32', dims),
        g.input(`past_key_values.${i}.value`, 'float32', dims),
      ]);
    } else {
      const past = g.input(`past_${i}`, 'float32', [2, 'batch_size', heads, 'past_sequence_length', d]);
      const [k, v] = g.opN('Split', [past], 2, { axis: 0 }, { name: `past_${i}/split` });
      const sq = (x: string, n: string) => g.op('Squeeze', [x, g.constInt64([0], `${n}.axis`)], {}, { name: n });
      pasts.push([sq(k!, `past_${i}/key`), sq(v!, `past_${i}/value`)]);
    }
  }
  const table = g.param('embed_tokens.weight', [vocab, hidden], { std: 0.5 });
  let x = g.op('Gather', [table, ids], { axis: 0 }, { name: 'embed_tokens' });
  const posTable = g.param('embed_positions.weight', [64, hidden], { std: 0.5 });
  x = g.op('Add', [x, g.op('Gather', [posTable, positions], { axis: 0 }, { name: 'embed_positions' })]);
  const ctx = decoderCausalBias(g, ids, mask);
  for (let i = 0; i < layers; i++) {
    const h = rmsNorm(g, x, hidden, `layers.${i}.norm1`);
    const att = cachedAttention(
      g,
      h,
      {
        hidden,
        heads,
        kvHeads: heads,
        headDim: d,
        bias: ctx.bias,
        cache: { kind: 'kv', pastKey: pasts[i]![0], pastValue: pasts[i]![1] },
      },
      `layers.${i}.attn`,
    );
    x = g.op('Add', [x, att.out]);
    x = g.op('Add', [
      x,
      decoderMlp(g, rmsNorm(g, x, hidden, `layers.${i}.norm2`), hidden, hidden * 2, 'swiglu', `layers.${i}.mlp`),
    ]);
    const presentDims = ['batch_size', heads, 'past_sequence_length + sequence_length', d];
    if (o.zeroCache) att.present = att.present.map((t, j) => g.op('Mul', [t, g.constFloat([0], `zero_${i}_${j}`)]));
    if (layout === 'per-layer') {
      g.output(att.present[0]!, `present.${i}.key`, 'float32', presentDims);
      g.output(att.present[1]!, `present.${i}.value`, 'float32', presentDims);
    } else {
      const un = (t: string, n: string) => g.op('Unsqueeze', [t, g.constInt64([0], `${n}.axis`)], {}, { name: n });
      const stacked = g.op(
        'Concat',
        [un(att.present[0]!, `present_${i}/k`), un(att.present[1]!, `present_${i}/v`)],
        { axis: 0 },
        { name: `present_${i}/concat` },
      );
      g.output(stacked, `present_${i}`, 'float32', [2, ...presentDims]);
    }
  }
  const logits = g.op(
    'MatMul',
    [rmsNorm(g, x, hidden, 'final_norm'), g.param('lm_head.weight', [hidden, vocab], { std: 0.3 })],
    {},
    { name: 'lm_head' },
  );
  g.output(logits, 'logits', 'float32', ['batch_size', 'sequence_length', vocab]);
  return g;
}

/** A tiny ViT-like image encoder: 8x8 patches of a 32x32 image, a layer norm, mean-pooled logits. */
export function visionGraph(): GraphBuilder {
  const g = new GraphBuilder({ seed: 9, name: 'checkpoint-vision' });
  const pixels = g.input('pixel_values', 'float32', ['batch_size', 'num_channels', 'height', 'width']);
  const tokens = layerNorm(g, flattenPatches(g, patchEmbed(g, pixels, 3, 16, 8)), 16, 'norm');
  g.output(tokens, 'last_hidden_state', 'float32', ['batch_size', 'num_patches', 16]);
  const pooled = g.op('ReduceMean', [tokens], { axes: [1], keepdims: 0 }, { name: 'pooler' });
  g.output(g.op('MatMul', [pooled, g.param('classifier.weight', [16, 3], { std: 0.5 })]), 'logits', 'float32', [
    'batch_size',
    3,
  ]);
  return g;
}

/** A tiny BERT-like encoder; `contrib` uses com.microsoft SkipLayerNormalization and FastGelu. */
export function encoderGraph(
  o: { vocab?: number; hidden?: number; contrib?: boolean; seed?: number } = {},
): GraphBuilder {
  const { vocab = 40, hidden = 16 } = o;
  const g = new GraphBuilder({
    seed: o.seed ?? 3,
    name: 'checkpoint-encoder',
    ...(o.contrib ? { domains: { 'com.microsoft': 1 } } : {}),
  });
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  const types = g.input('token_type_ids', 'int64', ['batch_size', 'sequence_length']);
  let x = g.op(
    'Gather',
    [g.param('word_embeddings.weight', [vocab, hidden], { std: 0.5 }), ids],
    { axis: 0 },
    { name: 'word_embeddings' },
  );
  x = g.op('Add', [
    x,
    g.op(
      'Gather',
      [g.param('token_type_embeddings.weight', [2, hidden], { std: 0.5 }), types],
      { axis: 0 },
      { name: 'token_type_embeddings' },
    ),
  ]);
  x = layerNorm(g, x, hidden, 'embeddings.norm');
  const up = g.op('MatMul', [x, g.param('ffn.up.weight', [hidden, hidden * 2], { std: 0.2 })]);
  const upBias = g.param('ffn.up.bias', [hidden * 2], { std: 0.02 });
  const act = o.contrib
    ? g.op('FastGelu', [up, upBias], {}, { domain: 'com.microsoft', name: 'ffn.fast_gelu' })
    : g.op('Relu', [g.op('Add', [up, upBias])]);
  const down = g.op('MatMul', [act, g.param('ffn.down.weight', [hidden * 2, hidden], { std: 0.2 })]);
  const gamma = g.param('ffn.norm.gamma', [hidden], { init: 'ones' });
  const beta = g.param('ffn.norm.beta', [hidden], { init: 'zeros' });
  const out = o.contrib
    ? g.op(
        'SkipLayerNormalization',
        [down, x, gamma, beta],
        { epsilon: { float: 1e-12 } },
        { domain: 'com.microsoft', name: 'ffn.skip_layer_norm' },
      )
    : g.op('LayerNormalization', [g.op('Add', [down, x]), gamma, beta], { axis: -1, epsilon: { float: 1e-12 } });
  g.output(out, 'last_hidden_state', 'float32', ['batch_size', 'sequence_length', hidden]);
  return g;
}

/**
 * Rewrites the element type of input `name` in a saved model (GraphBuilder makes only the types
 * hf-core feeds): ValueInfo { name, type { tensor_type { elem_type ... } } }.
 */
function patchElemType(path: string, name: string, code: number): void {
  const bytes = readFileSync(path);
  const needle = Buffer.concat([Buffer.from([0x0a, name.length]), Buffer.from(name)]);
  const at = bytes.indexOf(needle);
  const p = at + needle.length;
  if (at < 0 || bytes[p] !== 0x12 || bytes[p + 2] !== 0x0a || bytes[p + 4] !== 0x08)
    throw new Error(`patchElemType: input ${name} not found as expected in ${path}`);
  bytes[p + 5] = code;
  writeFileSync(path, bytes);
}

/**
 * Saves `g` with its large initializers spread over two chunk files, `<file>_data` and
 * `<file>_data_1`, as transformers.js's chunked exports are (use_external_data_format: 2).
 */
async function saveChunked(g: GraphBuilder, dir: string, file: string): Promise<void> {
  const { onnx } = onnxProto;
  const base = file.split('/').pop()!;
  const { model, external } = g.serialize({ externalData: { location: `${base}_data`, threshold: 256 } });
  const proto = onnx.ModelProto.decode(model);
  const chunks: Buffer[][] = [[], []];
  const sizes = [0, 0];
  proto
    .graph!.initializer!.filter((t) => t.externalData?.length)
    .forEach((t, i) => {
      const get = (k: string) => t.externalData!.find((e) => e.key === k)!.value!;
      const bytes = Buffer.from(
        external!.subarray(Number(get('offset')), Number(get('offset')) + Number(get('length'))),
      );
      const c = i % 2;
      t.externalData = [
        { key: 'location', value: `${base}_data${c ? '_1' : ''}` },
        { key: 'offset', value: String(sizes[c]) },
        { key: 'length', value: String(bytes.length) },
      ];
      chunks[c]!.push(bytes);
      sizes[c]! += bytes.length;
    });
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), onnx.ModelProto.encode(proto).finish());
  writeFileSync(join(dir, `${file}_data`), Buffer.concat(chunks[0]!));
  writeFileSync(join(dir, `${file}_data_1`), Buffer.concat(chunks[1]!));
}

async function save(g: GraphBuilder, dir: string, file: string, ext?: SaveOptions['externalData']): Promise<void> {
  await saveGraph(g, join(dir, file), ext ? { externalData: ext } : {});
}

function writeTokenizer(dir: string, t: ReturnType<typeof wordPieceTokenizer>): void {
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(t.tokenizerJson));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(t.tokenizerConfig));
}

/** Every layout, under `root`; returns the folders by name. */
export async function buildFixtures(root: string) {
  const at = (name: string) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  // 1. optimum export at the top of the folder, config + WordPiece tokenizer: pipeline level (AutoModel).
  const bert = at('bert-optimum');
  const wp = wordPieceTokenizer();
  await save(encoderGraph({ vocab: wp.vocabSize }), bert, 'model.onnx');
  await writeJson(join(bert, 'config.json'), {
    model_type: 'bert',
    architectures: ['BertModel'],
    vocab_size: wp.vocabSize,
    hidden_size: 16,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    pad_token_id: 0,
  });
  writeTokenizer(bert, wp);

  // 2. transformers.js layout with dtype suffixes, per-layer cache, llama config + BPE tokenizer:
  //    pipeline level with generation, fp16 / q8 / q4 variants.
  const llama = at('llama-dtypes');
  const bpe = byteLevelBpeTokenizer({
    tokenizerClass: 'LlamaTokenizer',
    specials: ['<unk>', '<s>', '</s>'],
    roles: { unk_token: '<unk>', bos_token: '<s>', eos_token: '</s>' },
    postProcessor: 'none',
  });
  const vocab = bpe.vocabSize;
  for (const [dtype, suffix] of [
    ['fp32', ''],
    ['fp16', '_fp16'],
    ['q8', '_quantized'],
    ['q4', '_q4'],
  ] as const) {
    await save(decoderGraph({ vocab, dtype }), llama, `onnx/model${suffix}.onnx`);
  }
  await writeJson(join(llama, 'config.json'), {
    model_type: 'llama',
    architectures: ['LlamaForCausalLM'],
    vocab_size: vocab,
    hidden_size: 16,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    num_key_value_heads: 2,
    head_dim: 8,
    max_position_embeddings: 64,
    bos_token_id: 1,
    eos_token_id: 2,
  });
  await writeJson(join(llama, 'generation_config.json'), { bos_token_id: 1, eos_token_id: 2 });
  writeTokenizer(llama, bpe);

  // 3. stacked past_{i} cache, no config, no tokenizer: session level with generation.
  await save(decoderGraph({ zeroCache: true }), at('zeroed-cache'), 'onnx/model.onnx');
  const stacked = at('stacked-cache');
  await save(decoderGraph({ layout: 'stacked', layers: 3 }), stacked, 'onnx/model.onnx');

  // 4. external data in both spellings (transformers.js `model.onnx_data`, exporters' `model.onnx.data`).
  const ext = at('external-data');
  await save(decoderGraph({ seed: 11 }), ext, 'onnx/model.onnx', { location: 'model.onnx_data', threshold: 256 });
  await save(decoderGraph({ seed: 11, dtype: 'fp16' }), ext, 'onnx/model_fp16.onnx', {
    location: 'model_fp16.onnx.data',
    threshold: 256,
  });
  await saveChunked(decoderGraph({ seed: 11, dtype: 'q8' }), ext, 'onnx/model_quantized.onnx');

  // 5. contrib ops (com.microsoft SkipLayerNormalization, FastGelu), no config.
  const contrib = at('contrib-ops');
  await save(encoderGraph({ contrib: true }), contrib, 'model.onnx');

  // 6. optimum seq2seq export: encoder_model + decoder_model_merged (If on use_cache_branch), no config.
  const seq2seq = at('seq2seq-optimum');
  const arch: Seq2SeqArch = {
    vocab: 40,
    dModel: 16,
    heads: 2,
    headDim: 8,
    ffn: 32,
    encoderLayers: 1,
    decoderLayers: 2,
    norm: 'layer',
    preNorm: true,
    act: 'gelu',
    positions: { kind: 'learned', max: 32, offset: 0 },
    embeddingNorm: false,
    finalNorm: true,
    embedScale: 1,
    bias: true,
  };
  await save(buildSeq2SeqEncoder(arch, 21), seq2seq, 'encoder_model.onnx');
  await saveMergedDecoder(buildMergedDecoder(arch, 21), join(seq2seq, 'decoder_model_merged.onnx'));

  // 6b. The same layout with a BART config and a BPE tokenizer: pipeline level through AutoModelForSeq2SeqLM.
  const bart = at('bart-optimum');
  const bartTok = byteLevelBpeTokenizer({
    tokenizerClass: 'BartTokenizer',
    specials: ['<s>', '<pad>', '</s>', '<unk>', '<mask>'],
    roles: { bos_token: '<s>', pad_token: '<pad>', eos_token: '</s>', unk_token: '<unk>', mask_token: '<mask>' },
    postProcessor: 'roberta',
    addPrefixSpace: true,
  });
  const bartArch = { ...arch, vocab: bartTok.vocabSize };
  await save(buildSeq2SeqEncoder(bartArch, 23), bart, 'encoder_model.onnx');
  await saveMergedDecoder(buildMergedDecoder(bartArch, 23), join(bart, 'decoder_model_merged.onnx'));
  await writeJson(join(bart, 'config.json'), {
    model_type: 'bart',
    architectures: ['BartForConditionalGeneration'],
    is_encoder_decoder: true,
    vocab_size: bartTok.vocabSize,
    d_model: 16,
    encoder_layers: 1,
    decoder_layers: 2,
    encoder_attention_heads: 2,
    decoder_attention_heads: 2,
    bos_token_id: 0,
    pad_token_id: 1,
    eos_token_id: 2,
    decoder_start_token_id: 2,
    forced_eos_token_id: 2,
    max_position_embeddings: 32,
  });
  await writeJson(join(bart, 'generation_config.json'), {
    bos_token_id: 0,
    pad_token_id: 1,
    eos_token_id: 2,
    decoder_start_token_id: 2,
  });
  writeTokenizer(bart, bartTok);

  // 7. ViT-like image model with preprocessor_config.json: pipeline level through AutoProcessor.
  const vit = at('vit-processor');
  await save(visionGraph(), vit, 'onnx/model.onnx');
  await writeJson(join(vit, 'config.json'), {
    model_type: 'vit',
    architectures: ['ViTModel'],
    image_size: 32,
    patch_size: 8,
    num_channels: 3,
    hidden_size: 16,
  });
  await writeJson(join(vit, 'preprocessor_config.json'), {
    image_processor_type: 'ViTImageProcessor',
    do_resize: true,
    size: { height: 32, width: 32 },
    resample: 2,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.5, 0.5, 0.5],
    image_std: [0.5, 0.5, 0.5],
  });

  // Broken folders.
  const noOnnx = at('no-onnx');
  await writeJson(join(noOnnx, 'config.json'), { model_type: 'bert' });
  writeFileSync(join(noOnnx, 'pytorch_model.bin'), 'not onnx');
  const truncated = at('truncated-data');
  await save(decoderGraph({ seed: 5 }), truncated, 'onnx/model.onnx', { location: 'model.onnx_data', threshold: 256 });
  truncateSync(join(truncated, 'onnx', 'model.onnx_data'), 100);
  const missingData = at('missing-data');
  await save(decoderGraph({ seed: 5 }), missingData, 'onnx/model.onnx', { location: 'weights.bin', threshold: 256 });
  rmSync(join(missingData, 'onnx', 'weights.bin'));
  const mismatch = at('config-mismatch');
  await save(decoderGraph({ vocab: 48 }), mismatch, 'onnx/model.onnx');
  await writeJson(join(mismatch, 'config.json'), { model_type: 'llama', vocab_size: 32000, num_hidden_layers: 4 });
  const odd = at('odd-input');
  await save(decoderGraph({ oddInput: true }), odd, 'onnx/model.onnx');
  patchElemType(join(odd, 'onnx', 'model.onnx'), 'prompt_codes', 5);

  return { bert, llama, stacked, ext, contrib, seq2seq, bart, vit, noOnnx, truncated, missingData, mismatch, odd };
}

/** An ONNX model as onnx-proto decodes it. */
export type OnnxModelProto = ReturnType<typeof onnxProto.onnx.ModelProto.decode>;

/**
 * Rewrites an ONNX file's protobuf in place, as a hostile or broken export would have it (an
 * external data `location` out of the folder, an offset that is not a number).
 */
export function editOnnx(path: string, edit: (model: OnnxModelProto) => void): void {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(readFileSync(path));
  edit(model);
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
}
