import type { BackendEngine, Detection } from '@hf-core/core';
import { choosePython, type PythonProbe, probePython, versionsOf, whyNot } from './python.ts';

/** The parent run's detection, handed to the test process so it does not probe Python again. */
export const DETECTION_ENV = 'HF_CORE_PYTORCH_DETECTION';

export type TorchDevice = 'cpu' | 'cuda';

/** One probe per interpreter and process: pytorch and pytorch-cuda ask the same Python. */
const probes = new Map<string, Promise<PythonProbe>>();

/** Is PyTorch + transformers usable here, on `device`? Names the interpreter and the fix when not. */
export async function detectTorch(device: TorchDevice, env: NodeJS.ProcessEnv = process.env): Promise<Detection> {
  const choice = choosePython(env);
  let probing = probes.get(choice.python);
  if (!probing) probes.set(choice.python, (probing = probePython(choice.python, env)));
  const probe = await probing;
  const versions = { node: process.version, ...versionsOf(probe) };
  const why = whyNot(choice, probe);
  if (why) return { available: false, reason: why, versions };
  if (device === 'cuda' && !probe.cuda)
    return {
      available: false,
      reason: `torch ${probe.torch} in ${choice.python} reports torch.cuda.is_available() == False (no CUDA device, or a CPU-only build): install a CUDA build of torch on a machine with an NVIDIA GPU`,
      versions,
    };
  return { available: true, reason: `PyTorch ${probe.torch} on ${device}, via ${choice.python}`, versions };
}

/**
 * The engine a reference test process loads. PyTorch runs no ONNX file, so `createSession`
 * refuses; the test talks to the Python worker instead (see suite.ts).
 */
export function createTorchEngine(device: TorchDevice): BackendEngine {
  const name = device === 'cpu' ? 'pytorch' : 'pytorch-cuda';
  return {
    name,
    detect: async () => {
      const handed = process.env[DETECTION_ENV];
      return handed ? (JSON.parse(handed) as Detection) : detectTorch(device);
    },
    createSession: async (path) => {
      throw new Error(
        `${name} runs PyTorch models, not ONNX files (${path}): its tests are the reference tests hf-core writes for it`,
      );
    },
  };
}

/** Engine of the `pytorch` backend (device cpu). */
export default function createEngine(): BackendEngine {
  return createTorchEngine('cpu');
}
