import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageReadme } from '@hf-core/core';

/**
 * The part of openvino-node's addon this plugin uses, written against its published type
 * definitions (types/addon.d.ts of openvino-node 2025/2026). openvino-node is an optional peer:
 * it is typed here so hf-core builds without it.
 */
export interface OvTensor {
  getData(): ArrayLike<number | bigint> & { buffer: ArrayBufferLike; byteOffset: number; length: number };
  getShape(): number[];
  getElementType(): number;
}
export interface OvOutput {
  getAnyName(): string;
  getShape(): number[];
  toString(): string;
}
export interface OvInferRequest {
  inferAsync(inputs: Record<string, OvTensor>): Promise<Record<string, OvTensor>>;
}
export interface OvCompiledModel {
  inputs: OvOutput[];
  outputs: OvOutput[];
  createInferRequest(): OvInferRequest;
}
export interface OvModel {
  inputs: OvOutput[];
  outputs: OvOutput[];
}
export interface OvCore {
  readModel(modelPath: string): Promise<OvModel>;
  compileModel(
    model: OvModel,
    deviceName: string,
    config?: Record<string, string | number | boolean>,
  ): Promise<OvCompiledModel>;
  getAvailableDevices(): string[];
}
export interface OvAddon {
  Core: new () => OvCore;
  Tensor: new (type: string, shape: number[], data: ArrayBufferView) => OvTensor;
  element: Record<string, number | string>;
  getOpenvinoVersion?(): { buildNumber: string; description: string };
}

export const NOT_INSTALLED =
  'openvino-node is not installed (needs Node >= 21; its install step downloads the OpenVINO runtime). ' +
  'To enable openvino: on Node >= 21 run `npm install openvino-node` (under pnpm: `pnpm add openvino-node` and allowBuilds openvino-node: true) ' +
  `in the project that runs hf-core, on a machine that can reach storage.openvinotoolkit.org. See ${packageReadme('@hf-core/plugin-openvino')}.`;

/** Where openvino-node resolves from: this plugin (a linked peer), then the user's project. */
export function resolveOpenvino(cwd = process.cwd()): string | undefined {
  for (const from of [import.meta.url, pathToFileURL(join(cwd, 'noop.js')).href]) {
    try {
      return createRequire(from).resolve('openvino-node');
    } catch {
      // not installed there; try the next place
    }
  }
  return undefined;
}

export class OpenvinoUnavailable extends Error {}

let addon: Promise<OvAddon> | undefined;
/** openvino-node's addon, loaded once; an OpenvinoUnavailable error says why it cannot load. */
export function loadOpenvino(): Promise<OvAddon> {
  return (addon ??= (async () => {
    const entry = resolveOpenvino();
    if (!entry) throw new OpenvinoUnavailable(NOT_INSTALLED);
    try {
      const mod = (await import(pathToFileURL(entry).href)) as { addon?: OvAddon; default?: { addon?: OvAddon } };
      const ov = mod.addon ?? mod.default?.addon;
      if (!ov?.Core) throw new Error(`${entry} has no "addon" export with a Core class`);
      return ov;
    } catch (err) {
      throw new OpenvinoUnavailable(
        `openvino-node is installed (${entry}) but failed to load: ${(err as Error).message}`,
      );
    }
  })());
}
