import { describe, expect, it } from 'vitest';
import { Project } from 'ts-morph';
import { HfCore } from './core.ts';
import { CLASSIFY_STAGE, FIX_STAGE, RUN_STAGE, type RunJob } from './hooks.ts';

describe('hooks', () => {
  it('are one frozen object: plugins cannot replace a hook', () => {
    const core = new HfCore();
    expect(Object.isFrozen(core.hooks)).toBe(true);
    expect(() => {
      (core.hooks as unknown as Record<string, unknown>).classify = null;
    }).toThrow();
  });

  it('order taps by named stage, not by registration order', async () => {
    const core = new HfCore();
    const seen: string[] = [];
    core.hooks.fix.tapPromise({ name: 'typecheck', stage: FIX_STAGE.TYPECHECK }, async (f) => {
      seen.push('typecheck');
      return f;
    });
    core.hooks.fix.tapPromise({ name: 'format', stage: FIX_STAGE.FORMAT }, async (f) => {
      seen.push('format');
      return f;
    });
    core.hooks.fix.tapPromise({ name: 'migrate', stage: FIX_STAGE.MIGRATE }, async (f) => {
      seen.push('migrate');
      return f;
    });
    core.hooks.fix.tapPromise({ name: 'imports', stage: FIX_STAGE.IMPORTS }, async (f) => {
      seen.push('imports');
      return f;
    });
    core.hooks.fix.tapPromise({ name: 'keep', stage: FIX_STAGE.KEEP_REGIONS }, async (f) => {
      seen.push('keep');
      return f;
    });
    const file = new Project({ useInMemoryFileSystem: true }).createSourceFile('/a.ts', 'export {};');
    await core.hooks.fix.promise(file, { filePath: '/a.ts', diagnostics: [], changedBy: [] });
    expect(seen).toEqual(['migrate', 'keep', 'imports', 'format', 'typecheck']);
  });

  it('classify bails at the first plugin that claims; family plugins come before the fallback', async () => {
    const core = new HfCore();
    core.hooks.classify.tapPromise({ name: 'fallback', stage: CLASSIFY_STAGE.FALLBACK }, async (ctx) => ({
      ref: ctx.ref.ref,
      modelType: 'x',
      family: 'other',
      tasks: [],
      runtimeSupport: 'unsupported',
      confidence: 'low',
      reason: 'fallback',
    }));
    core.hooks.classify.tapPromise({ name: 'family', stage: CLASSIFY_STAGE.FAMILY }, async (ctx) =>
      ctx.ref.kind === 'type' && ctx.ref.modelType === 'bert'
        ? {
            ref: 'bert',
            modelType: 'bert',
            family: 'encoder-only',
            tasks: [],
            runtimeSupport: 'EncoderOnly',
            confidence: 'high',
            reason: 'family',
          }
        : undefined,
    );
    const a = await core.hooks.classify.promise({ ref: { kind: 'type', modelType: 'bert', ref: 'bert' } });
    const b = await core.hooks.classify.promise({ ref: { kind: 'type', modelType: 'zzz', ref: 'zzz' } });
    expect([a?.reason, b?.reason]).toEqual(['family', 'fallback']);
  });

  it('run is a HookMap keyed by backend: a tap on one backend never sees another', async () => {
    const core = new HfCore();
    core.hooks.run.for('cpu').tapPromise({ name: 'cpu', stage: RUN_STAGE.CONFIGURE }, async (job) => ({
      ...job,
      env: { ...job.env, CPU: '1' },
    }));
    const job = { backend: 'wasm', env: {} } as unknown as RunJob;
    expect((await core.hooks.run.for('wasm').promise(job)).env).toEqual({});
    expect((await core.hooks.run.for('cpu').promise({ ...job, backend: 'cpu' })).env).toEqual({ CPU: '1' });
  });

  it('refuses the same plugin twice and two plugins for one backend name', async () => {
    const core = new HfCore();
    const p = { name: 'p', apply() {} };
    await core.use(p);
    await expect(core.use(p)).rejects.toThrow(/loaded twice/);
    const reg = {
      plugin: 'a',
      name: 'cpu',
      engineModule: '/x',
      detect: async () => ({ available: true, reason: '', versions: {} }),
    };
    core.registerBackend(reg);
    expect(() => core.registerBackend({ ...reg, plugin: 'b' })).toThrow(/registered by both a and b/);
  });
});
