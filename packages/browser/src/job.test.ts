import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { RunJob } from '@hf-core/core';
import { pageRoots, runnerArgs } from './job.ts';

const job = {
  testFile: '/runs/out/tests/bert.test.ts',
  prepared: { dir: '/hub/models--x--bert/snapshots/abc', files: [], synthesized: false },
} as unknown as RunJob;

describe('a browser job handed to the runner', () => {
  it('lets the page read the model folder and the user inputs, and write only the output and temp folders', () => {
    expect(pageRoots(job, { HF_CORE_IMAGES: '/photos/a.png, /photos/b.jpg', HF_CORE_AUDIO: '/clips/c.wav' })).toEqual({
      read: ['/hub/models--x--bert/snapshots/abc', '/photos/a.png', '/photos/b.jpg', '/clips/c.wav'],
      write: ['/runs/out', tmpdir()],
    });
  });

  it('runs the runner with the TypeScript loader and the source condition, as the vitest config resolves', () => {
    const args = runnerArgs();
    expect(args.slice(0, 2)).toEqual(['--conditions=hf-core-source', '--import']);
    expect(args[2]).toMatch(/^file:\/\/.*tsx.*\.mjs$/);
    expect(existsSync(args[3]!)).toBe(true);
  });
});
