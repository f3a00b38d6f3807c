import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimedSectionLock } from './timed-lock.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
// The harness's side of the lock (core cannot depend on the harness, so by path).
const MEASURE = pathToFileURL(`${REPO}packages/harness/src/measure.ts`).href;

let lock: TimedSectionLock;
beforeAll(async () => {
  lock = await TimedSectionLock.start();
});
afterAll(() => lock.close());

/** A process that enters `sections` timed sections (one nested), each waiting 30 ms inside; prints its spans. */
function worker(sections: number, dieInside = false): Promise<{ code: number | null; spans: [number, number][] }> {
  const code = `
    import { timedSection } from ${JSON.stringify(MEASURE)};
    // Date.now() on both sides: a later event never reads an earlier millisecond.
    const now = () => Date.now();
    const spans = [];
    for (let i = 0; i < ${sections}; i++) {
      await timedSection(async () => {
        const start = now();
        await timedSection(async () => new Promise((r) => setTimeout(r, 30)));
        ${dieInside ? 'process.exit(3);' : ''}
        spans.push([start, now()]);
      });
      await new Promise((r) => setTimeout(r, 5));
    }
    console.log(JSON.stringify(spans));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: REPO,
    env: { ...process.env, ...lock.env() },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((r) => child.on('close', (c) => r({ code: c, spans: c === 0 ? JSON.parse(out) : [] })));
}

describe('the timed-section lock', () => {
  it("never lets two processes' timed sections overlap, and a process that dies inside one releases it", async () => {
    const runs = await Promise.all([worker(6), worker(6), worker(6), worker(1, true)]);
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 3]);
    const spans = runs.flatMap((r) => r.spans).sort((a, b) => a[0] - b[0]);
    expect(spans).toHaveLength(18);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  }, 60_000);
});
