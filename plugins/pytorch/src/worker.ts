import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CheckStatus, LatencyStats } from '@hf-core/core';
import { choosePython, pythonEnv } from './python.ts';

/** One check of the reference run, as the worker reports it (hf_core_torch/reference.py). */
export interface WorkerCheck {
  name: string;
  status: CheckStatus;
  message: string;
  details?: Record<string, unknown>;
}

export type ReferenceStatus = 'pass' | 'fail' | 'skip' | 'error' | 'crash' | 'timeout' | 'oom';

export interface ExportOutcome {
  status: 'pass' | 'fail';
  reason: string;
  dir?: string;
  files?: string[];
  exportMs?: number;
}

/** The answer to a `reference` request. */
export interface ReferenceResult {
  modelType: string;
  status: ReferenceStatus;
  reason: string;
  modelClass?: string;
  /** The transformers mapping the class came from (MODEL_FOR_CAUSAL_LM, ...). */
  task?: string;
  /** Candidate classes that did not build before the one used. */
  fellBackFrom?: string[];
  checks: WorkerCheck[];
  metrics: Record<string, number | LatencyStats>;
  export?: ExportOutcome;
  /** Forked requests: wall time and CPU time (user + system) of the child that ran the type. */
  durationMs?: number;
  cpuMs?: number;
}

export interface ReferenceRequest {
  modelType: string;
  seed?: number;
  size?: 'tiny' | 'micro';
  device?: 'cpu' | 'cuda';
  /** A broken twin (hf_core_torch/faults.py): only tests use it. */
  fault?: string;
  measure?: { warmup?: number; runs?: number; ms?: number };
  /** Only these checks (the rest are not run). */
  only?: string[];
  /** Export the model here too (onnx/model.onnx, reference.json, tokenizer or processor files). */
  export?: string;
  /** Run in a forked child of the worker, with these limits: its death is this request's crash. */
  fork?: { timeoutMs: number; memoryCapMb: number };
}

export interface ExportRequest {
  modelType: string;
  out: string;
  seed?: number;
  size?: 'tiny' | 'micro';
}

interface Answer {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/**
 * A Python worker (`python -m hf_core_torch`) answering JSON lines over stdio. It stays in the
 * caller's process group, so whatever isolates the caller (core's per-model process, its time
 * limit and memory cap) holds the worker too. One request at a time, in order.
 */
export class TorchWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private stderrTail = '';
  private exited?: string;
  readonly ready: Promise<void>;

  constructor(
    readonly python = choosePython().python,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.child = spawn(python, ['-m', 'hf_core_torch'], { env: pythonEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (b: Buffer) => {
      this.stderrTail = (this.stderrTail + b.toString()).slice(-4000);
    });
    let ready!: () => void;
    let failed!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      ready = res;
      failed = rej;
    });
    this.ready.catch(() => undefined);
    const lines = createInterface({ input: this.child.stdout });
    lines.on('line', (line) => {
      let msg: Answer;
      try {
        msg = JSON.parse(line) as Answer;
      } catch {
        return; // not an answer: the protocol keeps stdout for answers only
      }
      if (msg.id === 0) ready();
      this.pending.get(msg.id)?.resolve(msg);
      this.pending.delete(msg.id);
    });
    const onGone = (why: string) => {
      this.exited = `${why}${this.stderrTail ? `; its last output: ${this.stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
      const err = new Error(`the PyTorch worker (${python}) ${this.exited}`);
      failed(err);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.child.on('error', (e) => onGone(`did not start: ${e.message}`));
    this.child.on('exit', (code, signal) => onGone(signal ? `died with ${signal}` : `exited with code ${code}`));
  }

  private async request<T>(op: string, payload: object): Promise<T> {
    await this.ready;
    if (this.exited) throw new Error(`the PyTorch worker ${this.exited}`);
    const id = this.nextId++;
    const answer = await new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ ...payload, id, op })}\n`);
    });
    if (!answer.ok) throw new Error(`the PyTorch worker failed on ${op}: ${answer.error}`);
    return answer.result as T;
  }

  reference(req: ReferenceRequest): Promise<ReferenceResult> {
    return this.request('reference', req);
  }

  exportModel(req: ExportRequest): Promise<ExportOutcome & { modelType: string; modelClass?: string }> {
    return this.request('export', req);
  }

  versions(): Promise<Record<string, string>> {
    return this.request('versions', {});
  }

  /** Runs two tiny models once so later forked requests start with everything imported. */
  prewarm(): Promise<string[]> {
    return this.request('prewarm', {});
  }

  /** False once the Python process has exited (a failed request leaves it alive). */
  get alive(): boolean {
    return !this.exited;
  }

  /** The worker's process id (its CPU time, for the coverage script). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  close(): void {
    this.child.stdin.end();
    if (!this.exited) this.child.kill('SIGTERM');
  }
}
