/** `node:zlib`'s synchronous codecs in the page (PNG encoding and decoding), run by the runner. */
import { asBuffer } from './buffer.ts';
import { callSync } from '../rpc.ts';

const codec = (name: string) => (data: Uint8Array) => asBuffer(callSync(`zlib.${name}`, data));
export const deflateSync = codec('deflateSync');
export const inflateSync = codec('inflateSync');
export const gzipSync = codec('gzipSync');
export const gunzipSync = codec('gunzipSync');
export default { deflateSync, inflateSync, gzipSync, gunzipSync };
