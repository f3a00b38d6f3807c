/** `Buffer` in the page (injected wherever bundled code names it), from the `buffer` package. */
import { Buffer } from 'buffer/index.js';

export { Buffer };

/** Bytes from the runner as a Buffer, as Node's fs and zlib return them (no copy). */
export const asBuffer = (bytes: unknown): Buffer => {
  const u8 = bytes as Uint8Array;
  return Buffer.from(u8.buffer as ArrayBuffer, u8.byteOffset, u8.byteLength);
};
