/**
 * The timed-section lock of a run: when several models run at once, no model's timed section
 * (latency, prefill and decode timings: the harness's `timedSection`) overlaps another's, so a
 * latency number is that model's alone. One holder at a time, first come first served, granted
 * over a local socket named in HF_CORE_TIMED_LOCK (the harness's side: harness/measure.ts). A
 * holder that dies releases by its socket closing, so a crash in a timed section blocks nobody.
 *
 * The server runs in a worker thread: the run's main thread synthesizes models and type-checks
 * tests in long synchronous steps, which must not delay a grant.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { onParentExit } from '../process-groups.ts';

/** The environment variable that names the lock's socket in a test process. */
export const TIMED_LOCK_ENV = 'HF_CORE_TIMED_LOCK';

// The worker's code: plain CommonJS, evaluated as is (no loader needed in the worker).
const SERVER = `
const { createServer } = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
let holder = null;
const queue = [];
const grant = () => {
  while (!holder && queue.length) {
    const s = queue.shift();
    if (!s.destroyed) { holder = s; s.write('granted\\n'); }
  }
};
const drop = (s) => {
  for (let i = queue.indexOf(s); i >= 0; i = queue.indexOf(s)) queue.splice(i, 1);
  if (holder === s) holder = null;
  grant();
};
const server = createServer((s) => {
  let buf = '';
  s.setEncoding('utf8');
  s.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\\n'); i >= 0; i = buf.indexOf('\\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line === 'acquire') { queue.push(s); grant(); }
      else if (line === 'release' && holder === s) { holder = null; grant(); }
    }
  });
  s.on('close', () => drop(s));
  s.on('error', () => drop(s));
});
server.listen(workerData.path, () => parentPort.postMessage('listening'));
parentPort.on('message', (m) => { if (m === 'close') server.close(() => process.exit(0)); });
`;

export class TimedSectionLock {
  private constructor(
    readonly path: string,
    private readonly worker: Worker,
    private readonly forget: () => void,
  ) {}

  /** Starts a lock server on a fresh socket path (a named pipe on Windows). */
  static async start(): Promise<TimedSectionLock> {
    const id = `hf-core-timed-${process.pid}-${randomBytes(4).toString('hex')}`;
    const path = process.platform === 'win32' ? `\\\\.\\pipe\\${id}` : join(tmpdir(), `${id}.sock`);
    const worker = new Worker(SERVER, { eval: true, workerData: { path }, execArgv: [] });
    worker.unref();
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    // A run interrupted before close() leaves no socket file behind.
    const forget = process.platform === 'win32' ? () => false : onParentExit(() => rmSync(path, { force: true }));
    return new TimedSectionLock(path, worker, forget);
  }

  /** Environment that points a test process at this lock. */
  env(): Record<string, string> {
    return { [TIMED_LOCK_ENV]: this.path };
  }

  async close(): Promise<void> {
    this.worker.ref(); // an unref'd worker's exit would not keep this process waiting for it
    this.worker.postMessage('close');
    await new Promise((r) => this.worker.once('exit', r));
    this.forget();
    if (process.platform !== 'win32') rmSync(this.path, { force: true });
  }
}
