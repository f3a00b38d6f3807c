/**
 * The browser backends' engine, as the harness loads it inside the page
 * (HF_CORE_BACKEND_MODULE): onnxruntime-web sessions on the page's device, and transformers.js
 * `device: 'wasm' | 'webgpu'` for pipeline-level checks. Detection names the browser, the
 * runtimes and the WebGPU adapter, which every result row carries.
 */
import type {
  BackendEngine,
  Detection,
  EngineSession,
  Feeds,
  SessionOptions,
  TensorData,
  ValueInfo,
} from '@hf-core/core';
import { readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { adapterText, adapterVersions } from './adapter.ts';
import { pageConfig, type PageDevice } from './config.ts';
import { ort } from './ort.ts';

/**
 * transformers.js offline in the page: no remote model, no Cache Storage, no CDN for its
 * WebAssembly (./ort.ts set the local path before any session). The harness adds the local model
 * path when a check asks for a pipeline.
 */
async function offlineTransformers(): Promise<string> {
  const { env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.useBrowserCache = false;
  env.useWasmCache = false;
  return env.version;
}

async function detect(device: PageDevice): Promise<Detection> {
  const tfVersion = await offlineTransformers();
  const versions: Record<string, string> = {
    browser: pageConfig().browser,
    'onnxruntime-web': ort.env.versions.web ?? 'unknown',
    'transformers.js': tfVersion,
    ...(await adapterVersions()),
  };
  if (device === 'webgpu' && !versions['webgpu.vendor'])
    return { available: false, reason: `no WebGPU adapter in this page: ${versions['webgpu.adapter']}`, versions };
  const on = device === 'webgpu' ? ` on ${adapterText(versions)}` : '';
  return { available: true, reason: `onnxruntime-web ${device} in ${versions.browser}${on}`, versions };
}

/** External weights beside the model under the exporters' names (model.onnx_data, model.onnx.data, _1...). */
function externalData(modelPath: string): { path: string; data: string }[] {
  const base = basename(modelPath).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^${base}[._]data(_\\d+)?$`);
  const dir = dirname(modelPath);
  return readdirSync(dir)
    .filter((n) => pattern.test(n))
    .sort()
    .map((n) => ({ path: n, data: `${dir}/${n}` }));
}

const toValueInfo = (m: { name: string; type?: string; shape?: (number | string)[] }): ValueInfo => ({
  name: m.name,
  type: m.type ?? 'unknown',
  dims: m.shape ?? [],
});

async function createSession(device: PageDevice, modelPath: string, _options?: SessionOptions): Promise<EngineSession> {
  const res = await fetch(modelPath);
  if (!res.ok) throw new Error(`the page could not read ${modelPath}: HTTP ${res.status}`);
  const session = await ort.InferenceSession.create(new Uint8Array(await res.arrayBuffer()), {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
    externalData: externalData(modelPath),
  });
  const meta = session as unknown as {
    inputMetadata?: { name: string; type?: string; shape?: (number | string)[] }[];
    outputMetadata?: { name: string; type?: string; shape?: (number | string)[] }[];
  };
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputs: (meta.inputMetadata ?? []).map(toValueInfo),
    outputs: (meta.outputMetadata ?? []).map(toValueInfo),
    async run(feeds: Feeds, outputNames?: readonly string[]) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds))
        ortFeeds[name] = new ort.Tensor(t.type as never, t.data as never, [...t.dims]);
      const out = outputNames ? await session.run(ortFeeds, [...outputNames]) : await session.run(ortFeeds);
      const result: Record<string, TensorData> = {};
      for (const [name, t] of Object.entries(out)) {
        // WebGPU outputs may live on the GPU; getData() brings them to the page either way.
        const data = (await t.getData()) as TensorData['data'];
        result[name] = { type: t.type as TensorData['type'], dims: t.dims, data };
      }
      return result;
    },
    release: () => session.release(),
  };
}

export default function createEngine(): BackendEngine {
  const { device } = pageConfig();
  return {
    name: `browser-${device}`,
    transformersDevice: device,
    detect: () => detect(device),
    createSession: (path, options) => createSession(device, path, options),
  };
}
