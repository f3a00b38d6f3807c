/**
 * Parity of a checkpoint with its reference.json (PyTorch outputs for fixed inputs), at the dtype
 * under test: a case written for `onnx/model.onnx` runs on `onnx/model_fp16.onnx` in the fp16 row,
 * at fp16's tolerance.
 */
import { isRefused, parseOnnxName, resolveInside } from '@hf-core/core';
import { checkReferenceParity as parity, REFERENCE_FILE, type Harness } from '@hf-core/harness';
import type { CheckpointPlan } from './plan.ts';

export const hasReference = (plan: CheckpointPlan) => {
  const r = resolveInside(plan.dir, REFERENCE_FILE);
  return isRefused(r) || r.exists;
};

export function checkReferenceParity(h: Harness, plan: CheckpointPlan) {
  return parity(h, (file) => {
    const { component } = parseOnnxName(file.split('/').pop()!);
    const same = plan.files.find((f) => f.component === component && f.path.startsWith(file.replace(/[^/]*$/, '')));
    return same ? { file: same.path, dtype: plan.precision } : { file, dtype: 'fp32' };
  });
}
