/**
 * How values cross between the page and the runner process: JSON, with bytes as base64 and
 * tensors as their type, dims and the bytes of their data. Used on both sides, so it touches
 * nothing but globals that Node and the browser share (atob, btoa, typed arrays).
 */
import type { Feeds, TensorData, TensorType } from '@hf-core/core';

export interface WireBytes {
  $bytes: string;
}

export interface WireTensor {
  type: TensorType;
  dims: number[];
  /** base64 of the data's bytes; strings stay a JSON array. */
  data: string | string[];
}

/** A call from the page to the runner, and its answer. */
export interface WireCall {
  fn: string;
  args: unknown[];
}
export type WireAnswer = { ok: true; value: unknown } | { ok: false; error: { message: string; code?: string } };

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function base64ToBytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const isWireBytes = (v: unknown): v is WireBytes =>
  typeof v === 'object' && v !== null && typeof (v as WireBytes).$bytes === 'string';

/** Bytes (any typed array or ArrayBuffer) become `{ $bytes }`; everything else goes as JSON. */
export function encodeValue(v: unknown): unknown {
  if (v instanceof ArrayBuffer) return { $bytes: bytesToBase64(new Uint8Array(v)) };
  if (ArrayBuffer.isView(v)) return { $bytes: bytesToBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
  if (Array.isArray(v)) return v.map(encodeValue);
  return v;
}

export function decodeValue(v: unknown): unknown {
  if (isWireBytes(v)) return base64ToBytes(v.$bytes);
  if (Array.isArray(v)) return v.map(decodeValue);
  return v;
}

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
} as const;

export function encodeTensor(t: TensorData): WireTensor {
  if (t.type === 'string') return { type: t.type, dims: [...t.dims], data: t.data as string[] };
  const d = t.data as Exclude<TensorData['data'], string[]>;
  return { type: t.type, dims: [...t.dims], data: bytesToBase64(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)) };
}

export function decodeTensor(w: WireTensor): TensorData {
  if (w.type === 'string') return { type: w.type, dims: w.dims, data: w.data as string[] };
  const Ctor = ARRAYS[w.type];
  if (!Ctor) throw new Error(`a tensor of type ${w.type} cannot cross between the page and the runner`);
  const bytes = base64ToBytes(w.data as string);
  return {
    type: w.type,
    dims: w.dims,
    data: new Ctor(bytes.buffer as ArrayBuffer, 0, bytes.byteLength / Ctor.BYTES_PER_ELEMENT),
  };
}

export const encodeFeeds = (feeds: Feeds): Record<string, WireTensor> =>
  Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, encodeTensor(t)]));

export const decodeFeeds = (wire: Record<string, WireTensor>): Feeds =>
  Object.fromEntries(Object.entries(wire).map(([k, t]) => [k, decodeTensor(t)]));

/** Routes the page calls on the runner's server; one table, read by both sides. */
export const ROUTES = {
  /** The page's Node built-ins (fs, zlib, os), answered synchronously by the runner. */
  node: '/__hf-core/node',
  /** Node-only modules the page imports (the cpu parity reference), run in the runner. */
  remote: '/__hf-core/remote',
  /** The bundled test, engine and page runtime. */
  bundle: '/__hf-core/bundle/',
  /** onnxruntime-web's WebAssembly files, from the installed package. */
  ort: '/__hf-core/ort/',
  page: '/__hf-core/index.html',
} as const;

/** Header carrying the per-run token that the runner's routes require. */
export const TOKEN_HEADER = 'x-hf-core-token';
