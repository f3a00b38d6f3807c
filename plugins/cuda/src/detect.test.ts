import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CUDA_PROVIDER_LIBS, detectCuda, ortNodeBinDir } from './detect.ts';
import createEngine from './engine.ts';
import { parseCsvNumbers } from './nvidia-smi.ts';

const libsHere = (() => {
  const dir = ortNodeBinDir();
  return !!dir && CUDA_PROVIDER_LIBS.every((f) => existsSync(join(dir, f)));
})();

describe('cuda detection', () => {
  it.skipIf(libsHere)(
    'without the CUDA provider libraries: unavailable, naming the missing files and how to install them',
    async () => {
      const d = await detectCuda();
      expect(d.available).toBe(false);
      expect(d.reason).toMatch(/libonnxruntime_providers_(shared|cuda)\.so/);
      expect(d.reason).toContain('--onnxruntime-node-install=cuda12');
      expect(d.versions['onnxruntime-node']).toMatch(/^\d+\.\d+\.\d+/);
    },
  );

  it('the engine detects the same way and drives transformers.js with device cuda', async () => {
    const engine = createEngine();
    expect(engine.transformersDevice).toBe('cuda');
    const [a, b] = [await engine.detect(), await detectCuda()];
    expect(a.available).toBe(b.available);
    expect(a.reason).toBe(b.reason);
  });
});

describe('nvidia-smi csv parsing', () => {
  it('reads one number per GPU line and ignores blank and non-numeric lines', () => {
    expect(parseCsvNumbers('1234\n567\n\n[N/A]\n')).toEqual([1234, 567]);
  });
});
