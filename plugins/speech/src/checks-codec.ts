import type { EngineSession } from '@hf-core/core';
import { CheckFailure, expectThat, maxAbsDiff, readWavAt, type Harness } from '@hf-core/harness';
import type { SpeechFacts } from './facts.ts';
import { audioFiles } from './inputs.ts';

type TfTensor = { dims: number[]; data: Float32Array | BigInt64Array; type: string };
type Codec = {
  encode(i: Record<string, TfTensor>): Promise<Record<string, TfTensor>>;
  decode(c: Record<string, TfTensor>): Promise<Record<string, TfTensor>>;
  dispose(): Promise<void>;
} & ((i: Record<string, TfTensor>) => Promise<Record<string, TfTensor>>);

/** transformers.js's audio codecs (EnCodec, DAC, SNAC, Mimi...) all add encode and decode to the model. */
const isCodec = (model: object): model is Codec =>
  'encode' in model && typeof model.encode === 'function' && 'decode' in model && typeof model.decode === 'function';

/**
 * Audio codec round trip through transformers.js (AutoModel: encode, decode, and the forward
 * that does both): codes have the shapes the hop length implies and stay inside the codebook, they
 * equal the raw encoder session's codes, and the decoded audio has one value per input sample, finite, in [-1, 1].
 */
export async function checkCodec(h: Harness, encoder: EngineSession, facts: SpeechFacts, files?: string[]) {
  const { tf, modelId, device } = await h.pipelineEnv();
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  const loaded = await tf.AutoModel.from_pretrained(modelId, { device: device as 'cpu', dtype: 'fp32' });
  if (!isCodec(loaded)) {
    await loaded.dispose();
    throw new CheckFailure(
      `AutoModel loaded ${loaded.constructor.name}, which has no encode/decode: not an audio codec`,
    );
  }
  const model = loaded;
  try {
    const [path] = files ?? (await audioFiles(facts));
    const audio = await readWavAt(path!, facts.samplingRate);
    const inputs = (await processor(audio)) as Record<string, TfTensor>;
    const codes = await model.encode({ input_values: inputs.input_values! });
    const frames = Math.floor(audio.length / facts.hopLength!);
    const raw = await encoder.run({
      input_values: { type: 'float32', dims: inputs.input_values!.dims, data: inputs.input_values!.data },
    });
    for (const [name, perRow] of Object.entries(facts.codeShapes!)) {
      const c = codes[name];
      expectThat(c, `encode() of ${path} returned no ${name} (got ${Object.keys(codes).join(', ')})`);
      const want = [1, ...perRow.slice(0, -1), Math.floor((frames * perRow.at(-1)!) / (facts.framesPerClip ?? frames))];
      expectThat(
        c.dims.join() === want.join(),
        `${name} of ${path} is [${c.dims}], expected [${want}] (hop length ${facts.hopLength})`,
      );
      const values = Array.from(c.data as BigInt64Array, Number);
      expectThat(
        values.every((v) => Number.isInteger(v) && v >= 0 && v < facts.codebookSize!),
        `${name} of ${path} has codes outside [0, ${facts.codebookSize})`,
      );
      expectThat(
        maxAbsDiff({ type: 'int64', dims: c.dims, data: c.data as BigInt64Array }, raw[name]!) === 0,
        `${name} from transformers.js differs from the raw encoder session`,
      );
    }
    const decoded = (await model.decode(codes)).audio_values!;
    expectThat(
      decoded.dims.join() === [1, 1, frames * facts.hopLength!].join(),
      `decode() of ${path} gave audio_values [${decoded.dims}], expected [1, 1, ${frames * facts.hopLength!}]`,
    );
    expectThat(
      [...(decoded.data as Float32Array)].every((v) => Number.isFinite(v) && Math.abs(v) <= 1),
      `decoded audio of ${path} has values that are not finite or outside [-1, 1]`,
    );
    const full = (await model(inputs)).audio_values!;
    const diff = maxAbsDiff(
      { type: 'float32', dims: full.dims, data: full.data },
      { type: 'float32', dims: decoded.dims, data: decoded.data },
    );
    expectThat(diff <= 1e-6, `model(inputs) and decode(encode(inputs)) differ by ${diff}`);
    return { frames, codes: Object.keys(codes) };
  } finally {
    await model.dispose();
  }
}
