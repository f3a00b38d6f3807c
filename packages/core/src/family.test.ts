import { describe, expect, it } from 'vitest';
import { HfCore } from './core.ts';
import { defineFamilyPlugin, type SynthesizedModel } from './family.ts';
import type { Classification } from './types.ts';

/** A family plugin whose synthesizer records typed facts and whose template prints them. */
function family<F extends object>(name: string, type: string, facts: F) {
  return defineFamilyPlugin<F>({
    name,
    family: 'encoder-only',
    modelTypes: [type],
    templateVersion: 1,
    synthesize: async (_type, dir): Promise<SynthesizedModel<F>> => ({ dir, files: [], synthesized: true, facts }),
    render: ({ prepared }) => `// ${name} ${JSON.stringify(prepared.facts)}`,
  });
}

async function render(core: HfCore, modelType: string) {
  const c = (await core.hooks.classify.promise({ ref: { kind: 'type', modelType, ref: modelType } })) as Classification;
  const prepared = await core.hooks.prepare.promise({ classification: c, targetDir: '/tmp/x', size: 'tiny', seed: 1 });
  const out = await core.hooks.template.promise(
    { source: '', templateVersion: 0, template: '' },
    { classification: c, prepared: prepared!, modelDirFromTest: '.' },
  );
  return out.source;
}

describe('defineFamilyPlugin', () => {
  it('renders only the types it synthesizes, with its own facts, whichever plugin of the family taps first', async () => {
    const core = new HfCore();
    await core.use(family('test:b', 'b_type', { width: 2 }));
    await core.use(family('test:a', 'a_type', { labels: ['x', 'y'] }));
    expect(await render(core, 'a_type')).toBe('// test:a {"labels":["x","y"]}');
    expect(await render(core, 'b_type')).toBe('// test:b {"width":2}');
  });

  it('leaves a model of its family that it did not synthesize to another plugin (a real folder, another type)', async () => {
    const core = new HfCore();
    await core.use(family('test:a', 'a_type', { labels: [] }));
    const c: Classification = {
      ref: 'c_type',
      modelType: 'c_type',
      family: 'encoder-only',
      tasks: [],
      runtimeSupport: 'unsupported',
      confidence: 'high',
      reason: 'test',
    };
    const out = await core.hooks.template.promise(
      { source: '', templateVersion: 0, template: '' },
      {
        classification: c,
        prepared: { dir: '/tmp/c', files: [], synthesized: true, facts: {} },
        modelDirFromTest: '.',
      },
    );
    expect(out.source).toBe('');
  });
});
