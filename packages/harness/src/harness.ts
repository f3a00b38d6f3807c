import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { isRefused, readTextInside, resolveInside } from '@hf-core/core/paths';
import type { BackendEngine, Detection, EngineSession, Feeds, Level, Metrics } from '@hf-core/core';
import { CheckFailure, SkipCheck } from './errors.ts';
import { latencyStats, measureOptions, peakRssMb, timedSection, timeRuns } from './measure.ts';
import { Recorder } from './recorder.ts';
import { offlineTransformers, requireDevice } from './transformers.ts';

export interface ModelSpec {
  ref: string;
  modelType: string | null;
  family: string | null;
  /** Model folder, relative to the test file or absolute. */
  modelDir: string;
}

/** The part of vitest's test context the harness uses. */
interface TestContextLike {
  skip: (note?: string) => void;
}

async function loadEngine(): Promise<BackendEngine> {
  const name = process.env.HF_CORE_BACKEND ?? 'cpu';
  const mod = process.env.HF_CORE_BACKEND_MODULE;
  // Run by hand (no module given): cpu is @hf-core/ort's engine, which the harness depends on;
  // another backend is looked up by its plugin's name.
  const specifier = mod
    ? pathToFileURL(mod).href
    : name === 'cpu'
      ? '@hf-core/ort/cpu-engine'
      : `@hf-core/plugin-${name}/engine`;
  const loaded = (await import(specifier)) as { default?: () => BackendEngine };
  if (typeof loaded.default !== 'function')
    throw new Error(`backend module ${specifier} does not default-export createEngine()`);
  return loaded.default();
}

/**
 * What a generated test uses: the model on the current backend (HF_CORE_BACKEND, default cpu),
 * checks that record pass/fail/skip, and metrics. Registers the file's beforeAll/afterAll.
 */
export class Harness {
  readonly modelDir: string;
  readonly backend: string;
  readonly recorder = new Recorder();
  private engine?: BackendEngine;
  private detection?: Detection;
  private readonly sessions = new Map<string, Promise<EngineSession>>();
  private loadMs = 0;

  constructor(
    testFileUrl: string,
    readonly spec: ModelSpec,
  ) {
    const testDir = dirname(fileURLToPath(testFileUrl));
    this.modelDir = isAbsolute(spec.modelDir) ? spec.modelDir : resolve(testDir, spec.modelDir);
    this.backend = process.env.HF_CORE_BACKEND ?? 'cpu';
    beforeAll(async () => {
      this.engine = await loadEngine();
      this.detection = await this.engine.detect();
      this.recorder.write({ t: 'backend', name: this.engine.name, ...this.detection });
    });
    afterAll(async () => {
      for (const s of this.sessions.values()) await s.then((x) => x.release()).catch(() => undefined);
      if (this.loadMs > 0) this.metric('load_ms', round(this.loadMs));
      const vram = await this.engine?.memory?.().catch(() => undefined);
      if (vram?.vram_mb !== undefined) this.metric('peak_vram_mb', vram.vram_mb);
      const rss = peakRssMb();
      if (rss !== undefined) this.metric('peak_rss_mb', rss);
    });
  }

  get title(): string {
    return `${this.spec.ref} [${this.backend}]`;
  }

  /** config.json of the model folder (an empty object when it has none). */
  get config(): Record<string, unknown> {
    const read = readTextInside(this.modelDir, 'config.json');
    if (read.refused || read.problem) throw new CheckFailure((read.refused ?? read.problem)!);
    return read.text === undefined ? {} : (JSON.parse(read.text) as Record<string, unknown>);
  }

  private requireAvailable(): BackendEngine {
    if (!this.engine || !this.detection) throw new Error('harness used outside a test (beforeAll has not run)');
    if (!this.detection.available) throw new SkipCheck(`${this.backend} unavailable: ${this.detection.reason}`);
    return this.engine;
  }

  /** An inference session of one ONNX file of the model (created once; load time is recorded). */
  session(file = 'onnx/model.onnx'): Promise<EngineSession> {
    const engine = this.requireAvailable();
    let s = this.sessions.get(file);
    if (!s) {
      // A file name that leaves the model folder is refused before the engine opens anything.
      const at = resolveInside(this.modelDir, file);
      if (isRefused(at)) return Promise.reject(new CheckFailure(at.problem));
      const path = at.path;
      const t0 = performance.now();
      s = engine.createSession(path).then(
        (session) => {
          this.loadMs += performance.now() - t0;
          return session;
        },
        (err: Error) => {
          const message = `failed to load ${path} on ${this.backend}: ${err.message}`;
          this.recorder.write({ t: 'error', phase: 'load', message });
          throw new CheckFailure(message);
        },
      );
      this.sessions.set(file, s);
    }
    return s;
  }

  metric(name: string, value: Metrics[string]): void {
    this.recorder.write({ t: 'metric', name, value });
  }

  /** first_forward_ms, then latency_ms percentiles over warmup + timed runs of the same feeds. */
  async measure(session: EngineSession, feeds: Feeds, prefix = ''): Promise<void> {
    const first = await timedSection(async () => {
      const t0 = performance.now();
      await session.run(feeds);
      return performance.now() - t0;
    });
    this.metric(`${prefix}first_forward_ms`, round(first));
    const samples = await timeRuns(() => session.run(feeds), measureOptions());
    const stats = latencyStats(samples);
    this.metric(`${prefix}latency_ms`, stats);
    this.metric(`${prefix}throughput_per_s`, round(1000 / stats.mean));
  }

  /** transformers.js, offline, on this backend's device; a skip where the backend has none. */
  async pipelineEnv(): Promise<{ tf: typeof import('@huggingface/transformers'); modelId: string; device: string }> {
    const engine = this.requireAvailable();
    const device = requireDevice(engine.transformersDevice, this.backend);
    return { ...(await offlineTransformers(this.modelDir)), device };
  }

  /**
   * Runs one check and records it. A CheckFailure (or any error) is a fail and fails the vitest
   * test; a SkipCheck is a skip with its reason, shown as skipped by vitest too.
   */
  async check(
    ctx: TestContextLike,
    name: string,
    level: Level,
    // biome-ignore lint/suspicious/noConfusingVoidType: checks that return nothing are `async () => {}`.
    fn: () => Promise<Record<string, unknown> | void>,
  ): Promise<void> {
    let details: Record<string, unknown> | undefined;
    try {
      details = (await fn()) ?? undefined;
    } catch (err) {
      if (err instanceof SkipCheck) {
        this.recorder.write({ t: 'check', name, status: 'skip', message: err.reason, level });
        ctx.skip(err.reason);
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      this.recorder.write({
        t: 'check',
        name,
        status: 'fail',
        message,
        level,
        details: err instanceof CheckFailure ? err.details : undefined,
      });
      throw err;
    }
    this.recorder.write({ t: 'check', name, status: 'pass', message: 'ok', level, ...(details ? { details } : {}) });
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Creates the harness for one generated test file: `harness(import.meta.url, { ... })`. */
export function harness(testFileUrl: string, spec: ModelSpec): Harness {
  return new Harness(testFileUrl, spec);
}
