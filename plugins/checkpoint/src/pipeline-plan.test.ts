import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { supportFileProblems } from './pipeline-plan.ts';

// Found by `pnpm fuzz`: a cut, non-JSON, oversized or model-less tokenizer or processor file
// failed inside transformers.js ("Unexpected end of JSON input", "File size ... is greater than
// 2 GiB") without naming the file. The plan names it and keeps the folder at session level.
const real = fileURLToPath(
  new URL('../../../../shared/fixtures/real-exports/ortgenai__tiny-random-gpt2-fp32', import.meta.url),
);
const root = mkdtempSync(join(tmpdir(), 'hf-core-support-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(real, f), join(dir, f));
  return dir;
}

describe.skipIf(!existsSync(real))('support files transformers.js loads (skipped without ../shared)', () => {
  it('a real tokenizer reads: no problem (the twin of the broken ones below)', () => {
    expect(supportFileProblems(folder('ok'))).toEqual([]);
  });

  it('names a cut, a non-object, an oversized and a model-less file', () => {
    const cut = folder('cut');
    writeFileSync(join(cut, 'tokenizer_config.json'), '{"model_max_length": 1');
    expect(supportFileProblems(cut)).toEqual([
      expect.stringMatching(/cut\/tokenizer_config\.json is not valid JSON \(.*\), and transformers\.js loads it$/),
    ]);
    const shape = folder('shape');
    writeFileSync(join(shape, 'preprocessor_config.json'), '[]');
    expect(supportFileProblems(shape)).toEqual([
      `${join(shape, 'preprocessor_config.json')} holds an array, not an object, and transformers.js loads it`,
    ]);
    const huge = folder('huge');
    truncateSync(join(huge, 'tokenizer.json'), 3 * 1024 ** 3); // sparse
    expect(supportFileProblems(huge)[0]).toMatch(/tokenizer\.json has 3221225472 bytes, more than/);
    const modelless = folder('modelless');
    writeFileSync(join(modelless, 'tokenizer.json'), '{"version": "1.0"}');
    expect(supportFileProblems(modelless)).toEqual([
      `${join(modelless, 'tokenizer.json')} has no "model" object, which transformers.js's tokenizer needs`,
    ]);
  });
});
