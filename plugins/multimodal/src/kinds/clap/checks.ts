import type { EngineSession, Feeds } from '@hf-core/core';
import {
  expectThat,
  SeededFeeds,
  tensor,
  tone,
  toNumbers,
  type Harness,
  fromTfTensor as plain,
} from '@hf-core/harness';
import type { ImageFacts, TfTensor } from '../../shared/images.ts';

/** Facts a CLAP (zero-shot audio classification) test is rendered with. */
export interface ClapFacts extends ImageFacts {
  kind: 'clap';
  projection: number;
  vocabSize: number;
  padId: number;
  mels: number;
  sampleRate: number;
  samples: number;
}

/** `rows` seeded texts and `rows` seeded log-mel inputs [rows, 1, frames, mels] (dB-like values). */
export function clapFeeds(facts: ClapFacts, rows: number, seq = 6, frames = 20, seed = 1): Feeds {
  const rng = new SeededFeeds(seed);
  const dims = [rows, seq];
  return {
    input_ids: tensor(
      'int64',
      Array.from({ length: rows * seq }, () => rng.int(5, facts.vocabSize)),
      dims,
    ),
    attention_mask: tensor('int64', new Array(rows * seq).fill(1), dims),
    input_features: tensor(
      'float32',
      Array.from({ length: rows * frames * facts.mels }, () => rng.float() * 40 - 40),
      [rows, 1, frames, facts.mels],
    ),
  };
}

export function expectedClapShapes(facts: ClapFacts, texts: number, audios: number): Record<string, number[]> {
  return {
    logits_per_audio: [audios, texts],
    logits_per_text: [texts, audios],
    text_embeds: [texts, facts.projection],
    audio_embeds: [audios, facts.projection],
  };
}

const LABELS = ['dog barking', 'a piano', 'rain'];

/**
 * ClapFeatureExtractor gives [1, 1, frames, feature_size] (feature_size = config.audio_config
 * num_mel_bins); zero-shot-audio-classification on two clips gives one probability per label
 * summing to 1, equal to the softmax of the raw session's logits_per_audio on the same inputs.
 */
export async function checkZeroShotAudio(
  h: Harness,
  session: EngineSession,
  facts: ClapFacts,
): Promise<Record<string, unknown>> {
  const { tf, modelId, device } = await h.pipelineEnv();
  const classify = await tf.pipeline('zero-shot-audio-classification', modelId, {
    device: device as 'cpu',
    dtype: 'fp32',
  });
  const tokenizer = await tf.AutoTokenizer.from_pretrained(modelId);
  const processor = await tf.AutoProcessor.from_pretrained(modelId);
  try {
    const mels = Number((h.config.audio_config as Record<string, unknown> | undefined)?.num_mel_bins);
    const clips = [
      tone(440, facts.samples / facts.sampleRate, facts.sampleRate),
      tone(1200, facts.samples / facts.sampleRate, facts.sampleRate, 0.3),
    ];
    const results = (await classify(clips, LABELS)) as { label: string; score: number }[][];
    expectThat(
      Array.isArray(results) && results.length === 2,
      `two clips gave ${JSON.stringify(results).slice(0, 120)}, expected two result lists`,
    );
    const text = tokenizer(
      LABELS.map((l) => `This is a sound of ${l}.`),
      { padding: true, truncation: true },
    ) as Record<string, TfTensor>;
    const sums: number[] = [];
    for (const [i, out] of results.entries()) {
      const { input_features } = (await processor(clips[i])) as { input_features: TfTensor };
      expectThat(
        input_features.dims.length === 4 &&
          input_features.dims[0] === 1 &&
          input_features.dims[1] === 1 &&
          input_features.dims[3] === mels,
        `clip ${i}: input_features are [${input_features.dims}], expected [1, 1, frames, ${mels}] (audio_config.num_mel_bins)`,
      );
      expect(out, i);
      const raw = await session.run({
        input_ids: plain(text.input_ids!),
        attention_mask: plain(text.attention_mask!),
        input_features: plain(input_features),
      });
      const logits = toNumbers(raw.logits_per_audio!);
      const m = Math.max(...logits);
      const e = logits.map((x) => Math.exp(x - m));
      const want = e.map((x) => x / e.reduce((a, b) => a + b, 0));
      out.forEach((o) => {
        const w = want[LABELS.indexOf(o.label)]!;
        expectThat(
          Math.abs(o.score - w) < 1e-5,
          `clip ${i}: "${o.label}" scored ${o.score}, softmax of the session's logits_per_audio gives ${w}`,
        );
      });
      sums.push(out.reduce((a, o) => a + o.score, 0));
    }
    return { scoreSums: sums };
  } finally {
    await classify.dispose();
  }
}

function expect(out: { label: string; score: number }[], i: number): void {
  expectThat(out.length === LABELS.length, `clip ${i}: ${out.length} scores for ${LABELS.length} labels`);
  expectThat(
    [...out.map((o) => o.label)].sort().join() === [...LABELS].sort().join(),
    `clip ${i}: labels ${out.map((o) => o.label)} are not the candidates`,
  );
  const sum = out.reduce((a, o) => a + o.score, 0);
  expectThat(
    out.every((o) => o.score >= 0 && o.score <= 1) && Math.abs(sum - 1) < 1e-4,
    `clip ${i}: scores ${out.map((o) => o.score)} are not probabilities summing to 1 (sum ${sum})`,
  );
}
