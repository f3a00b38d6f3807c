import { describe, expect, it } from 'vitest';
import { probeOrtNodeProvider } from '@hf-core/ort';
import { detectWebgpu } from './detect.ts';
import createEngine from './engine.ts';

describe('webgpu detection', () => {
  it('agrees with a real tiny session on the provider, and when unavailable carries its error', async () => {
    const [d, probe] = [await detectWebgpu(), await probeOrtNodeProvider(['webgpu'])];
    expect(d.available).toBe(probe.ok);
    if (!probe.ok) {
      // The runtime's own words (here: Dawn finds no adapter), not a guess.
      expect(d.reason).toContain(probe.error);
      expect(d.reason).toMatch(/Vulkan/);
    }
    expect(d.versions['onnxruntime-node']).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('the probe itself works: the same tiny session runs on cpu', async () => {
    expect(await probeOrtNodeProvider(['cpu'])).toMatchObject({ ok: true });
  });

  it('the engine drives transformers.js with device webgpu and detects the same way', async () => {
    const engine = createEngine();
    expect(engine.transformersDevice).toBe('webgpu');
    expect((await engine.detect()).available).toBe((await detectWebgpu()).available);
  });
});
