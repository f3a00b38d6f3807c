import { describe, expect, it } from 'vitest';
import { detectTorch } from './engine.ts';
import { choosePython, olderThan, type PythonProbe, whyNot } from './python.ts';
import { renderReferenceTest } from './render.ts';

const choice = { python: '/opt/py/bin/python', from: 'HF_CORE_PYTHON' as const };
const probe = (p: Partial<PythonProbe>): PythonProbe => ({ errors: {}, ...p });

describe('detection says which piece is missing and how to fix it', () => {
  it('no interpreter at HF_CORE_PYTHON: a real probe of a path that does not exist', async () => {
    const d = await detectTorch('cpu', { ...process.env, HF_CORE_PYTHON: '/nonexistent/hf-core/python' });
    expect(d.available).toBe(false);
    expect(d.reason).toMatch(/no Python interpreter: \/nonexistent\/hf-core\/python: not found.*hf-core setup pytorch/);
  });

  it('python without torch, torch without transformers, transformers too old', () => {
    expect(
      whyNot(choice, probe({ python: '3.11.7', errors: { torch: "ModuleNotFoundError: No module named 'torch'" } })),
    ).toMatch(/^torch is not installed in \/opt\/py\/bin\/python \(from HF_CORE_PYTHON\).*hf-core setup pytorch/);
    expect(whyNot(choice, probe({ python: '3.11.7', torch: '2.13.0', errors: { transformers: 'No module' } }))).toMatch(
      /^transformers is not installed .*\(torch 2\.13\.0 is\)/,
    );
    expect(whyNot(choice, probe({ python: '3.11.7', torch: '2.13.0', transformers: '4.57.6' }))).toMatch(
      /transformers 4\.57\.6 .* is older than 5\.0\.0: pip install -U transformers==5\.18\.0/,
    );
    expect(whyNot(choice, probe({ python: '3.11.7', torch: '2.13.0+cpu', transformers: '5.18.0' }))).toBeUndefined();
  });

  it('compares versions numerically, ignoring local suffixes', () => {
    expect(olderThan('4.57.6', '5.0.0')).toBe(true);
    expect(olderThan('5.18.0', '5.0.0')).toBe(false);
    expect(olderThan('2.13.0+cpu', '2.13.0')).toBe(false);
    expect(olderThan('5.9.0', '5.10.0')).toBe(true);
  });

  it('HF_CORE_PYTHON wins over the setup venv and PATH', () => {
    expect(choosePython({ HF_CORE_PYTHON: '/x/python' })).toEqual({ python: '/x/python', from: 'HF_CORE_PYTHON' });
    expect(choosePython({ HOME: '/nonexistent', XDG_CACHE_HOME: '/nonexistent' }).from).toBe('PATH');
  });
});

describe('the generated reference test', () => {
  it('renders a hostile model name as inert data', () => {
    const ref = 'a`${process.exit(1)}`\'"*/\u2028x';
    const src = renderReferenceTest(
      {
        ref,
        modelType: ref,
        family: 'decoder-only',
        backend: 'pytorch',
        engineModule: '/x/engine.ts',
        device: 'cpu',
        seed: 0,
        size: 'tiny',
        parity: [],
      },
      '/x/suite.ts',
    );
    // The whole spec is one JSON literal: parsed back, it is the data that went in.
    const line = src.split('\n').find((l) => l.startsWith('referenceSuite(import.meta.url, '))!;
    const literal = line.slice('referenceSuite(import.meta.url, '.length, line.lastIndexOf(', { afterAll'));
    expect(JSON.parse(literal)).toMatchObject({ ref, modelType: ref });
    expect(src.split('\n').filter((l) => !l.startsWith('//') && l.includes('process.exit'))).toEqual([line]);
  });
});
