/** The cpu engine module the test process loads: @hf-core/ort's onnxruntime-node CPU engine. */
export { default } from '@hf-core/ort/cpu-engine';
