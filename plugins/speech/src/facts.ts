/** Facts the generated test is rendered with (from the synthesizer or the model's config). */
export interface SpeechFacts {
  head:
    | 'ctc'
    | 'classification'
    | 'frame-classification'
    | 'embedding'
    | 'seq2seq'
    | 'codec'
    | 'text-to-waveform'
    | 'styled-waveform'
    | 'vocoder'
    | 'diffusion-tts'
    | 'musicgen'
    | 'speecht5';
  /** Set when transformers.js cannot load the type: the reason every pipeline check skips with. */
  pipelineUnsupported?: string | null;
  /** raw: samples in; frames: spectrogram frames [b, t, featDim] in; mel: Whisper's [b, mels, 3000]. */
  frontEnd: 'raw' | 'frames' | 'mel' | 'text' | 'spectrogram';
  task: 'automatic-speech-recognition' | 'audio-classification' | 'text-to-speech' | null;
  input: 'input_values' | 'input_features' | 'input_ids' | 'spectrogram';
  inputRank: 2 | 3;
  /** Feature size per frame (frame front ends) or mel bins (Whisper). */
  featDim: number | null;
  samplingRate: number;
  clipSamples: number;
  /** Encoder frames for one clip of raw audio (raw front ends). */
  framesPerClip: number | null;
  melFrames?: number;
  encoderFrames?: number;
  vocabSize: number;
  labels: string[];
  hidden: number;
  featureExtractor: string | null;
  /** Waveform generators: samples per token, style vector size (StyleTTS 2). */
  samplesPerToken?: number;
  styleDim?: number | null;
  /** Supertonic: style tokens x style_dim of a speaker embedding. */
  styleShape?: number[];
  /** Codecs: samples per frame, the encoder's outputs with their per-row shapes, codebook size. */
  hopLength?: number;
  codeShapes?: Record<string, number[]>;
  codebookSize?: number;
  /** Text inputs without an attention_mask input (SpeechT5's encoder). */
  textMask?: boolean;
  /** SpeechT5: speaker embedding size, spectrogram frames per decoder step. */
  speakerDim?: number;
  reductionFactor?: number;
  /** MusicGen: parallel codebook streams. */
  codebooks?: number;
  decoder?: {
    layers: number;
    heads: number;
    headDim: number;
    startIds: number[];
    eos: number;
    suppress?: number[];
    generateOptions: Record<string, unknown>;
  };
}
