export * from './graph.ts';
export * from './nn.ts';
export * from './random.ts';
export * from './io.ts';
export * from './tokenizer.ts';
export * from './nn-multimodal.ts';
export * from './nn-speech.ts';
