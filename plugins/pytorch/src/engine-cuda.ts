import type { BackendEngine } from '@hf-core/core';
import { createTorchEngine } from './engine.ts';

/** Engine of the `pytorch-cuda` backend (torch device cuda). */
export default function createEngine(): BackendEngine {
  return createTorchEngine('cuda');
}
