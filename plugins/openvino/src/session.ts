import type { Detection, EngineSession, Feeds, SessionOptions, TensorData, TensorType } from '@hf-core/core';
import { DEFAULT_THREADS } from '@hf-core/ort';
import { loadOpenvino, type OvAddon, type OvTensor } from './openvino.ts';

export type OpenvinoDevice = 'CPU' | 'GPU' | 'AUTO' | (string & {});

/** hf-core tensor types and OpenVINO element types that carry the same bytes. */
const TO_OV: Partial<Record<TensorType, string>> = {
  float32: 'f32',
  float64: 'f64',
  int64: 'i64',
  int32: 'i32',
  int8: 'i8',
  uint8: 'u8',
};
const FROM_OV: Record<string, TensorType> = Object.fromEntries(
  Object.entries(TO_OV).map(([k, v]) => [v, k as TensorType]),
);

/** OpenVINO's element enum is numeric at runtime; this names a value. */
function elementName(ov: OvAddon, value: number | string): string {
  if (typeof value === 'string') return value;
  const hit = Object.entries(ov.element).find(([, v]) => v === value);
  return hit ? hit[0] : String(value);
}

function toOv(ov: OvAddon, name: string, t: TensorData): OvTensor {
  const type = TO_OV[t.type];
  if (!type || Array.isArray(t.data)) {
    throw new Error(
      `openvino engine: input "${name}" has type ${t.type}, which this engine does not pass to OpenVINO (supported: ${Object.keys(TO_OV).join(', ')})`,
    );
  }
  return new ov.Tensor(type, [...t.dims], t.data as ArrayBufferView);
}

function fromOv(ov: OvAddon, name: string, t: OvTensor): TensorData {
  const element = elementName(ov, t.getElementType());
  const type = FROM_OV[element];
  if (!type)
    throw new Error(`openvino engine: output "${name}" has element type ${element}, which hf-core cannot compare yet`);
  return { type, dims: t.getShape(), data: t.getData() as TensorData['data'] };
}

/**
 * An EngineSession over OpenVINO: readModel on the ONNX file, compileModel on `device`
 * (CPU threads set explicitly), one infer request whose runs are serialized.
 */
export async function createOpenvinoSession(
  modelPath: string,
  device: OpenvinoDevice,
  options: SessionOptions = {},
): Promise<EngineSession> {
  const ov = await loadOpenvino();
  const core = new ov.Core();
  const model = await core.readModel(modelPath);
  const threads = options.threads ?? DEFAULT_THREADS;
  const compiled = await core.compileModel(model, device, device === 'CPU' ? { INFERENCE_NUM_THREADS: threads } : {});
  const request = compiled.createInferRequest();
  const inputNames = compiled.inputs.map((o) => o.getAnyName());
  const outputNames = compiled.outputs.map((o) => o.getAnyName());
  let queue: Promise<unknown> = Promise.resolve();
  return {
    inputNames,
    outputNames,
    inputs: compiled.inputs.map((o) => ({ name: o.getAnyName(), type: 'unknown', dims: o.getShape?.() ?? [] })),
    outputs: compiled.outputs.map((o) => ({ name: o.getAnyName(), type: 'unknown', dims: [] })),
    run(feeds: Feeds, wanted?: readonly string[]) {
      const job = queue.then(async () => {
        const tensors: Record<string, OvTensor> = {};
        for (const [name, t] of Object.entries(feeds)) tensors[name] = toOv(ov, name, t);
        const out = await request.inferAsync(tensors);
        const result: Record<string, TensorData> = {};
        for (const name of wanted ?? outputNames) {
          const t = out[name];
          if (!t)
            throw new Error(`openvino engine: the model has no output "${name}" (it has: ${outputNames.join(', ')})`);
          result[name] = fromOv(ov, name, t);
        }
        return result;
      });
      queue = job.catch(() => undefined);
      return job;
    },
    // openvino-node frees the compiled model and request when they are garbage collected.
    release: async () => undefined,
  };
}

/**
 * Is openvino usable: openvino-node loads (it is an optional peer) and its Core sees `device`
 * (AUTO needs any device). The reason is the real load error when it is installed but broken.
 */
export async function detectOpenvino(device: OpenvinoDevice = 'CPU'): Promise<Detection> {
  const versions: Record<string, string> = { node: process.version };
  let ov: OvAddon;
  try {
    ov = await loadOpenvino();
  } catch (err) {
    return { available: false, reason: (err as Error).message, versions };
  }
  try {
    const v = ov.getOpenvinoVersion?.();
    if (v) versions.openvino = v.buildNumber;
    const devices = new ov.Core().getAvailableDevices();
    versions.devices = devices.join(', ');
    const ok = device === 'AUTO' ? devices.length > 0 : devices.some((d) => d === device || d.startsWith(`${device}.`));
    if (!ok)
      return {
        available: false,
        reason: `OpenVINO sees devices [${devices.join(', ')}], not ${device}; pick one with the plugin option device`,
        versions,
      };
  } catch (err) {
    return { available: false, reason: `OpenVINO loaded but its Core failed: ${(err as Error).message}`, versions };
  }
  return { available: true, reason: `openvino-node on ${device}`, versions };
}
