/**
 * The runner's side of Node-only engine modules the page imports (page/remote-engine.ts): the
 * module is loaded here, in Node, and its sessions run here; the page sees their outputs.
 */
import { pathToFileURL } from 'node:url';
import type { BackendEngine, EngineSession, SessionOptions } from '@hf-core/core';
import { decodeFeeds, encodeFeeds, type WireTensor } from './wire.ts';

export class RemoteEngines {
  private readonly engines = new Map<string, Promise<BackendEngine>>();
  private readonly sessions = new Map<number, EngineSession>();
  private nextId = 1;

  constructor(
    /** Modules the page's bundle proxies (absolute paths); no other module is loaded. */
    private readonly allowed: ReadonlySet<string>,
  ) {}

  private engine(module: unknown): Promise<BackendEngine> {
    const path = String(module);
    if (!this.allowed.has(path)) throw new Error(`the page asked for ${path}, which its bundle does not proxy`);
    let e = this.engines.get(path);
    if (!e) {
      e = import(pathToFileURL(path).href).then((m: { default?: () => BackendEngine }) => {
        if (typeof m.default !== 'function') throw new Error(`${path} does not default-export createEngine()`);
        return m.default();
      });
      this.engines.set(path, e);
    }
    return e;
  }

  private session(id: unknown): EngineSession {
    const s = this.sessions.get(Number(id));
    if (!s) throw new Error(`no remote session ${String(id)} (released already?)`);
    return s;
  }

  readonly calls: Record<string, (...args: unknown[]) => Promise<unknown>> = {
    detect: async (module) => (await this.engine(module)).detect(),
    createSession: async (module, path, options) => {
      const s = await (await this.engine(module)).createSession(String(path), options as SessionOptions);
      const id = this.nextId++;
      this.sessions.set(id, s);
      return { id, inputNames: s.inputNames, outputNames: s.outputNames, inputs: s.inputs, outputs: s.outputs };
    },
    run: async (id, feeds, outputNames) => {
      const names = Array.isArray(outputNames) ? (outputNames as string[]) : undefined;
      return encodeFeeds(await this.session(id).run(decodeFeeds(feeds as Record<string, WireTensor>), names));
    },
    release: async (id) => {
      await this.session(id).release();
      this.sessions.delete(Number(id));
    },
  };

  async releaseAll(): Promise<void> {
    for (const s of this.sessions.values()) await s.release().catch(() => undefined);
    this.sessions.clear();
  }
}
