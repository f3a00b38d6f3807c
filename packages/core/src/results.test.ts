import { describe, expect, it } from 'vitest';
import { levelReasonOf } from './results.ts';
import type { CheckResult } from './types.ts';

const check = (name: string, status: CheckResult['status'], level: CheckResult['level'], message = 'ok') => ({
  name,
  status,
  level,
  message,
});

describe('levelReasonOf', () => {
  it('says why a row stopped at session level: the reasons its pipeline checks were skipped, once each', () => {
    const checks = [
      check('runs', 'pass', 'session'),
      check('pipeline', 'skip', 'pipeline', 'no tokenizer.json'),
      check('pipeline-generate', 'skip', 'pipeline', 'no tokenizer.json'),
      check('parity', 'skip', 'session', 'cpu is the parity reference'),
    ];
    expect(levelReasonOf(checks, 'session')).toBe('no tokenizer.json');
    expect(levelReasonOf([check('runs', 'pass', 'session')], 'session')).toBe(
      'no pipeline-level check exists for this model',
    );
  });

  it('says a pipeline row is at the highest level, and nothing for a row that ran nothing', () => {
    expect(levelReasonOf([check('pipeline', 'fail', 'pipeline')], 'pipeline')).toBe('the highest level hf-core tests');
    expect(levelReasonOf([], null)).toBeUndefined();
  });
});
