import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  generateTest,
  HfCoreError,
  pluginFix,
  pluginsThatPrepare,
  prepareModel,
  selectModels,
  skipReason,
  vitestConfigSource,
  type Classification,
} from '@hf-core/core';
import { exactEntry, listEntries, readSyncedNewTypes, readSyncFile } from '@hf-core/catalog';
import { fixPlugins } from '@hf-core/fix';
import type { CommandModule } from '../context.ts';
import { createCore, DEFAULT_PLUGINS_TEXT, defaultPlugins, splitList, type CliIO } from '../context.ts';

interface GenerateFlags {
  plugins?: string | string[];
  all?: boolean;
  new?: boolean;
  family?: string;
  out?: string;
  seed?: number;
  json?: boolean;
  quiet?: boolean;
  jobs?: number;
}

export async function generate(refs: string[], flags: GenerateFlags, io: CliIO): Promise<number> {
  const core = await createCore(io, splitList(flags.plugins) ?? (await defaultPlugins(io, 'generate')));
  for (const p of fixPlugins({ resolveFrom: [io.cwd, dirname(fileURLToPath(import.meta.url))] })) await core.use(p);
  let inputs = refs;
  if (flags.all) inputs = listEntries().map((e) => e.modelType);
  else if (flags.new) {
    inputs = readSyncedNewTypes(io.cwd);
    if (!inputs.length) {
      io.stderr('hf-core generate --new: the last `hf-core catalog sync` found no new types (or none was run here).');
      return 0;
    }
  }
  if (!inputs.length && !flags.family) {
    throw new HfCoreError('Nothing to generate: name model refs, or pass --all, --new or --family.', {
      code: 'NO_MODELS',
      hint: 'e.g. `hf-core generate bert llama --out tests-out`',
    });
  }
  const models: Classification[] = await selectModels(core, inputs, {
    cwd: io.cwd,
    env: io.env,
    family: flags.family,
    lenient: flags.all || flags.new,
  });
  const outDir = resolve(io.cwd, flags.out ?? 'hf-core-tests');
  mkdirSync(outDir, { recursive: true });
  // The folder runs as it is with `npx vitest run --config OUT/vitest.config.mjs`.
  writeFileSync(
    join(outDir, 'vitest.config.mjs'),
    vitestConfigSource({ resolveFrom: fileURLToPath(import.meta.url), testTimeoutMs: 300_000 }),
  );
  const covered = new Set(core.synthesizableTypes());
  const families = new Set([...core.families.values()].map((f) => f.family));
  const synced = flags.new ? (readSyncFile(io.cwd)?.added ?? []) : [];
  const rows: { ref: string; status: 'written' | 'not-covered' | 'failed'; file?: string; reason?: string }[] = [];
  const t0 = performance.now();
  // With the checkpoint plugin loaded, a type no family synthesizes gets its generic test, which
  // reads its model folder from HF_CORE_MODEL_DIR (and skips, saying so, without one).
  const generic = core.plugins.some((p) => p.name === 'hf-core:checkpoint');
  const work: Classification[] = [];
  for (const c of models) {
    if (c.modelDir || (c.modelType && covered.has(c.modelType)) || (generic && c.modelType)) {
      work.push(c);
      continue;
    }
    const uncovered = [...core.families.values()].find((f) => c.modelType && f.uncovered?.[c.modelType]);
    const entry = c.modelType
      ? (exactEntry(c.modelType) ?? synced.find((e) => e.modelType === c.modelType))
      : undefined;
    // A type the user named that an installed plugin would synthesize: the row names that plugin.
    const fix = await pluginsThatPrepare(core, c);
    rows.push({
      ref: c.ref,
      status: 'not-covered',
      reason:
        (uncovered?.uncovered?.[c.modelType!] ??
          (entry ? skipReason(entry, covered, families) : `no loaded family plugin synthesizes "${c.modelType}"`)) +
        (fix.length ? `; ${pluginFix(fix, '')}` : ''),
    });
  }
  // Several models at a time: their fix calls meet in the type-check pass, which then checks
  // them in one program instead of paying for a program per file.
  const one = async (c: Classification) => {
    try {
      const g = await generateTest(core, c, {
        outDir,
        seed: flags.seed,
        reuseModels: true,
      });
      rows.push({ ref: c.ref, status: 'written', file: g.testFile });
      if (!flags.quiet && !flags.json) io.stderr(`wrote ${g.testFile}`);
    } catch (err) {
      rows.push({ ref: c.ref, status: 'failed', reason: (err as Error).message });
      io.stderr(`hf-core generate: ${c.ref}: ${(err as Error).message}`);
    }
  };
  const jobs = Math.max(1, Number(flags.jobs ?? 64));
  const pool = async (fn: (c: Classification) => Promise<unknown>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(jobs, work.length) }, async () => {
        while (next < work.length) await fn(work[next++]!);
      }),
    );
  };
  // Models first (a failure here is reported by the second pass, which prepares again), then the
  // tests, so the fix calls arrive together rather than staggered by synthesis.
  await pool((c) => prepareModel(core, c, { outDir, seed: flags.seed, reuseModels: true }).catch(() => undefined));
  await pool(one);
  const ms = Math.round(performance.now() - t0);
  const count = (s: string) => rows.filter((r) => r.status === s).length;
  if (flags.json) io.stdout(JSON.stringify({ outDir, ms, results: rows }, null, 2));
  else {
    for (const r of rows.filter((r) => r.status === 'not-covered')) io.stderr(`not generated: ${r.ref}: ${r.reason}`);
    io.stderr(
      `hf-core generate: ${count('written')} written, ${count('not-covered')} not covered, ${count('failed')} failed, in ${ms} ms -> ${outDir}`,
    );
  }
  return count('failed') ? 1 : 0;
}

const command: CommandModule = {
  register(cli, io, done) {
    cli
      .command('generate [...refs]', 'Write the vitest test (and tiny model) of each model, fixed and type-checked')
      .usage(
        'generate [ref...] [options]\n\n' +
          'For each model: synthesize its tiny model (or use the folder given), render its family template,\n' +
          'run the fix chain (migrate, keep regions, imports, format, type-check) and write OUT/tests/<name>.test.ts.\n' +
          'A file that does not type-check is never written. Regenerating keeps code between\n' +
          '`// hf-core:keep-start <name>` and `// hf-core:keep-end` byte for byte. Run the tests with\n' +
          '`npx vitest run --config OUT/vitest.config.mjs` (cpu; HF_CORE_BACKEND=wasm for another backend),\n' +
          'or measure them with `hf-core run`.',
      )
      .option('--plugins <names>', `Plugins (default: ${DEFAULT_PLUGINS_TEXT})`)
      .option('--all', 'Every model type of the catalog (types no loaded plugin synthesizes are listed, not written)')
      .option('--new', 'Only the types the last `hf-core catalog sync` (--release or --tjs) found new')
      .option('--family <family>', 'Only models of this family')
      .option('--out <dir>', 'Output folder (default: ./hf-core-tests)')
      .option('--seed <n>', 'Seed of the synthesized weights (default 42)')
      .option('--jobs <n>', 'Models prepared and fixed at a time (default 64); their type-checks share one program')
      .option('--json', 'Print what was written as JSON')
      .option('--quiet', 'Only the summary line')
      .example('  hf-core generate bert llama --out tests-out')
      .example('  hf-core generate --all --out all-tests && hf-core fix --check all-tests')
      .example('  hf-core catalog sync --release 5.18.0 && hf-core generate --new')
      .action((refs: string[], flags: GenerateFlags) => done(generate(refs, flags, io)));
  },
};
export default command;
