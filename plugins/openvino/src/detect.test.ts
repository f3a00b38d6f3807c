import { describe, expect, it } from 'vitest';
import { NOT_INSTALLED, resolveOpenvino } from './openvino.ts';
import { detectOpenvino } from './session.ts';
import createEngine from './engine.ts';

const installed = resolveOpenvino() !== undefined;

describe('openvino detection', () => {
  it.skipIf(installed)(
    'without openvino-node: unavailable, saying it is not installed, why, and how to enable it',
    async () => {
      const d = await detectOpenvino();
      expect(d.available).toBe(false);
      expect(d.reason).toBe(NOT_INSTALLED);
      expect(d.reason).toMatch(/needs Node >= 21/);
      expect(d.versions.node).toBe(process.version);
    },
  );

  it.skipIf(installed)(
    'without openvino-node: a session fails with the same reason rather than a module-not-found trace',
    async () => {
      await expect(createEngine().createSession('/nonexistent/model.onnx')).rejects.toThrow(NOT_INSTALLED);
    },
  );

  it.runIf(installed)(
    'with openvino-node: detection names the runtime version and devices, or the real load error',
    async () => {
      const d = await detectOpenvino();
      if (d.available) expect(d.versions.openvino).toBeTruthy();
      else expect(d.reason).toMatch(/failed to load|Core failed|sees devices/);
    },
  );
});
