import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../test-fixtures/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'hf-core-cli-classify-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'my-model'));
writeFileSync(
  join(root, 'my-model', 'config.json'),
  JSON.stringify({ architectures: ['T5ForConditionalGeneration'], d_model: 512, is_encoder_decoder: true }),
);
writeFileSync(join(root, 'bad.json'), '{"model_type": "bert",,}');
writeFileSync(join(root, 'empty.json'), '{"torch_dtype": "float16"}');
const snapshot = join(root, 'cache', 'models--Xenova--whisper-tiny.en', 'snapshots', 'f'.repeat(40));
mkdirSync(snapshot, { recursive: true });
mkdirSync(join(root, 'cache', 'models--Xenova--whisper-tiny.en', 'refs'));
writeFileSync(join(root, 'cache', 'models--Xenova--whisper-tiny.en', 'refs', 'main'), 'f'.repeat(40));
writeFileSync(join(snapshot, 'config.json'), JSON.stringify({ model_type: 'whisper', num_mel_bins: 80 }));

const cli = (...argv: string[]) => runCli(argv, { cwd: root, env: { HF_HUB_CACHE: join(root, 'cache') } });

describe('hf-core classify', () => {
  it('prints one JSON object per ref with the documented fields, and exits 0 when all are classified', async () => {
    const r = await cli('classify', 'llama', 'Gpt-J', './my-model', 'Xenova/whisper-tiny.en', '--json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out);
    expect(rows.map((x: { family: string }) => x.family)).toEqual([
      'decoder-only',
      'decoder-only',
      'encoder-decoder',
      'speech',
    ]);
    expect(Object.keys(rows[0])).toEqual([
      'ref',
      'modelType',
      'family',
      'tasks',
      'runtimeSupport',
      'confidence',
      'decidedBy',
      'reason',
    ]);
    expect(rows.map((x: { decidedBy: string }) => x.decidedBy)).toEqual([
      'model_type',
      'model_type',
      'architectures',
      'model_type',
    ]);
    expect(rows[2]).toMatchObject({ ref: './my-model', modelType: 't5', confidence: 'medium' });
    expect(rows[3].runtimeSupport).toBe('EncoderDecoder,Seq2Seq');
  });

  it('prints a table by default', async () => {
    const r = await cli('classify', 'bert', 'vit');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^REF\s+TYPE\s+FAMILY\s+TASKS/);
    expect(r.out).toMatch(/vit\s+vit\s+vision/);
    expect(r.out.split('\n')[0]).toContain('DECIDED BY');
  });

  it('classifies a custom-code config by its auto_map and a sub-model config as what it is part of', async () => {
    writeFileSync(
      join(root, 'glm.json'),
      JSON.stringify({
        model_type: 'chatglm',
        architectures: ['ChatGLMModel'],
        auto_map: { AutoModelForCausalLM: 'modeling_chatglm.ChatGLMForConditionalGeneration' },
        padded_vocab_size: 65024,
        num_layers: 28,
      }),
    );
    writeFileSync(join(root, 'tower.json'), JSON.stringify({ model_type: 'siglip_vision_model', image_size: 384 }));
    const rows = JSON.parse((await cli('classify', 'glm.json', 'tower.json', '--json')).out);
    expect(rows[0]).toMatchObject({ family: 'decoder-only', decidedBy: 'auto_map', modelType: 'chatglm' });
    expect(rows[1]).toMatchObject({ family: 'vision', subConfigOf: { modelType: 'siglip', role: 'vision' } });
  });

  it('exits 2 for an unknown type and prints the nearest known names', async () => {
    const r = await cli('classify', 'bert', 'mistrall');
    expect(r.code).toBe(2);
    expect(r.err).toContain('mistrall: unknown model type "mistrall"; nearest known types: mistral');
  });

  it('exits 2 for bad configs and paths, naming the path and what was missing', async () => {
    const r = await cli('classify', 'bad.json', 'empty.json', './nowhere', 'org/not-cached', '--json');
    expect(r.code).toBe(2);
    const rows = JSON.parse(r.out);
    expect(rows.every((x: { family: unknown }) => x.family === null)).toBe(true);
    expect(rows[0].reason).toContain(`${join(root, 'bad.json')} is not valid JSON`);
    expect(rows[1].reason).toContain('has none of the fields hf-core classifies by');
    expect(rows[2].reason).toContain(`${join(root, 'nowhere')} does not exist`);
    expect(rows[3].reason).toContain('--allow-network');
    expect(r.err.split('\n')).toHaveLength(4);
  });

  it('says what it tried when --plugins names a plugin that is not installed', async () => {
    const r = await cli('classify', 'bert', '--plugins', 'no-such-family');
    expect(r.code).toBe(2);
    expect(r.err).toContain('@hf-core/plugin-no-such-family');
  });

  it('teaches with --help', async () => {
    const out: string[] = [];
    const orig = console.info;
    console.info = (s: string) => out.push(s);
    try {
      expect(await cli('classify', '--help')).toMatchObject({ code: 0 });
    } finally {
      console.info = orig;
    }
    expect(out.join('\n')).toContain('hf-core classify ./my-model ./other/config.json --json');
  });
});
