import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Project } from 'ts-morph';
import type { HfCore } from './core.ts';
import { HfCoreError } from './errors.ts';
import { pluginFix, pluginsThatPrepare } from './suggest.ts';
import type { FixContext, FixDiagnostic } from './hooks.ts';
import type { Classification, PreparedModel } from './types.ts';

/** What the fix chain made of one file's text. */
export interface FixResult {
  /** The fixed source. */
  text: string;
  diagnostics: FixDiagnostic[];
  /** Passes that changed the file, in the order they ran. */
  changedBy: string[];
}

/** A fix function: runs the fix chain over one file's text. */
export type Fixer = (source: string, opts: { filePath: string; previous?: string }) => Promise<FixResult>;

// ts-morph (and the TypeScript compiler in it) is loaded on first use: importing core stays fast.
let editing: Promise<Project> | undefined;
const editingProject = () =>
  (editing ??= import('ts-morph').then(
    ({ Project, QuoteKind }) =>
      new Project({ useInMemoryFileSystem: true, manipulationSettings: { quoteKind: QuoteKind.Single } }),
  ));
/** Calls for the same path run one after the other: they would share a SourceFile. */
const busy = new Map<string, Promise<unknown>>();

/**
 * Runs `core.hooks.fix` over `source` as the file at `filePath` (where it will be written:
 * relative imports and the nearest package.json are looked up from there), in one in-memory
 * ts-morph project per process (the passes work on syntax; a type-check pass reads the disk).
 * `previous` is the file already on disk, whose keep regions the new text receives.
 */
export async function fixWithHooks(
  core: HfCore,
  source: string,
  opts: { filePath: string; previous?: string },
): Promise<FixResult> {
  const filePath = resolve(opts.filePath);
  const before = busy.get(filePath) ?? Promise.resolve();
  const run = before
    .catch(() => undefined)
    .then(async () => {
      const project = await editingProject();
      const file = project.createSourceFile(filePath, source, { overwrite: true });
      const ctx: FixContext = { filePath, previous: opts.previous, diagnostics: [], changedBy: [] };
      try {
        const out = await core.hooks.fix.promise(file, ctx);
        return { text: out.getFullText(), diagnostics: ctx.diagnostics, changedBy: ctx.changedBy };
      } finally {
        project.removeSourceFile(file);
      }
    });
  busy.set(filePath, run);
  try {
    return await run;
  } finally {
    if (busy.get(filePath) === run) busy.delete(filePath);
  }
}

/**
 * A file-system-safe name for a model ref: model ids come from strangers, so separators, `..`
 * and odd characters are replaced; the result never leaves its folder.
 */
export function safeName(ref: string): string {
  const s = ref
    .normalize('NFKC')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .replace(/\.{2,}/g, '_')
    .slice(0, 100);
  return s || 'model';
}

/** `child` resolved inside `root`, or an error: nothing is ever written outside the output folder. */
export function inside(root: string, child: string): string {
  const r = resolve(root);
  const p = resolve(r, child);
  if (p !== r && !p.startsWith(r + sep)) {
    throw new HfCoreError(`Refusing to write ${p}: it is outside the output folder ${r}.`, {
      code: 'PATH_ESCAPE',
      exitCode: 2,
    });
  }
  return p;
}

export interface GenerateOptions {
  outDir: string;
  size?: 'tiny' | 'micro';
  seed?: number;
  fixer?: Fixer;
  /**
   * Synthesized model folders are reused when present and stamped with the same type, plugin,
   * seed, size and `stampVersion` (same inputs give the same bytes).
   */
  reuseModels?: boolean;
  /** The hf-core version in the stamp of synthesized folders, so an upgrade synthesizes anew. */
  stampVersion?: string;
  /**
   * Where to remember which rendered sources the fix chain turned into which files: a test whose
   * rendered source and file on disk are those of a past fix is not fixed (nor type-checked) again.
   */
  fixCacheDir?: string;
}

export interface Generated {
  classification: Classification;
  prepared: PreparedModel;
  testFile: string;
  template: string;
  changedBy: string[];
  /** Where the time went: preparing the model (synthesis), and template + fix chain. */
  timings: { prepareMs: number; templateFixMs: number };
}

/**
 * The model's files on disk: a real folder as it is, or a synthesized tiny model (reused when a
 * folder stamped with the same type, plugin, seed and size is already there).
 */
export async function prepareModel(core: HfCore, c: Classification, opts: GenerateOptions): Promise<PreparedModel> {
  const targetDir = inside(opts.outDir, join('models', safeName(c.ref)));
  const size = opts.size ?? 'tiny';
  const seed = opts.seed ?? 42;
  // A stale folder of ours is removed first, so no file of an older synthesis lingers.
  const stamp = {
    modelType: c.modelType,
    claimedBy: c.claimedBy ?? null,
    seed,
    size,
    version: opts.stampVersion ?? null,
  };
  const reused = opts.reuseModels && !c.modelDir ? readPrepared(targetDir, stamp) : undefined;
  if (reused) return reused;
  if (!c.modelDir && existsSync(join(targetDir, PREPARED_FILE))) rmSync(targetDir, { recursive: true, force: true });
  const prepared = await core.hooks.prepare.promise({ classification: c, targetDir, size, seed });
  if (!prepared) {
    // The fix goes in the message: a run's row keeps the message, not the hint.
    const fix = pluginFix(
      await pluginsThatPrepare(core, c),
      c.modelDir ? 'prepares model folders' : `synthesizes "${c.modelType}"`,
    );
    throw new HfCoreError(
      `No plugin can prepare "${c.ref}" (${c.modelType ?? 'unknown type'}, family ${c.family ?? 'unknown'}): ${fix}.`,
      { code: 'NO_PREPARE', exitCode: 2 },
    );
  }
  if (prepared.synthesized)
    writeFileSync(join(targetDir, PREPARED_FILE), `${JSON.stringify({ ...prepared, stamp }, null, 2)}\n`);
  return prepared;
}

/** prepare -> template -> fix -> write, for one classified model. */
export async function generateTest(core: HfCore, c: Classification, opts: GenerateOptions): Promise<Generated> {
  const name = safeName(c.ref);
  const t0 = performance.now();
  const prepared = await prepareModel(core, c, opts);
  const t1 = performance.now();
  const testFile = inside(opts.outDir, join('tests', `${name}.test.ts`));
  const modelDirFromTest = relative(dirname(testFile), prepared.dir).split(sep).join('/') || '.';
  const rendered = await core.hooks.template.promise(
    { source: '', templateVersion: 0, template: '' },
    { classification: c, prepared, modelDirFromTest },
  );
  if (!rendered.source) {
    throw new HfCoreError(`No template rendered a test for "${c.ref}" (family ${c.family ?? 'unknown'}).`, {
      code: 'NO_TEMPLATE',
      hint: 'Load the family plugin of this model with --plugins.',
      exitCode: 2,
    });
  }
  const previous = existsSync(testFile) ? readFileSync(testFile, 'utf8') : undefined;
  const fixedBefore = (text: string) =>
    opts.fixCacheDir ? join(opts.fixCacheDir, fixKey(core, rendered.source, text, opts.stampVersion)) : undefined;
  const marker = previous === undefined ? undefined : fixedBefore(previous);
  if (marker && existsSync(marker)) {
    const timings = { prepareMs: Math.round(t1 - t0), templateFixMs: Math.round(performance.now() - t1) };
    return { classification: c, prepared, testFile, template: rendered.template, changedBy: [], timings };
  }
  const fixed = await (opts.fixer ?? ((text, o) => fixWithHooks(core, text, o)))(rendered.source, {
    filePath: testFile,
    previous,
  });
  if (fixed.diagnostics.length) {
    const d = fixed.diagnostics[0]!;
    throw new HfCoreError(
      `Generated test for "${c.ref}" does not compile: ${d.file}:${d.line}:${d.column} ${d.message} (${d.pass})` +
        (fixed.diagnostics.length > 1 ? ` and ${fixed.diagnostics.length - 1} more` : ''),
      {
        code: 'FIX_FAILED',
        hint: 'The file was not written. This is a bug in the template or a plugin; please report it with this message.',
        exitCode: 1,
      },
    );
  }
  mkdirSync(dirname(testFile), { recursive: true });
  writeFileSync(testFile, fixed.text);
  const done = fixedBefore(fixed.text);
  if (done) {
    mkdirSync(dirname(done), { recursive: true });
    writeFileSync(done, '');
  }
  const timings = { prepareMs: Math.round(t1 - t0), templateFixMs: Math.round(performance.now() - t1) };
  return { classification: c, prepared, testFile, template: rendered.template, changedBy: fixed.changedBy, timings };
}

/** The fix cache's key: the rendered source, the file it became, the fix passes and the hf-core version. */
function fixKey(core: HfCore, rendered: string, text: string, version = ''): string {
  const passes = core.hooks.fix.taps.map((t) => t.name).join(',');
  return createHash('sha256').update(`${version}\0${passes}\0${rendered}\0${text}`).digest('hex').slice(0, 40);
}

/** What hf-core knows of a folder it synthesized: the PreparedModel, stamped with what made it. */
const PREPARED_FILE = 'hf-core.prepared.json';

function readPrepared(dir: string, stamp: Record<string, unknown>): PreparedModel | undefined {
  const p = join(dir, PREPARED_FILE);
  if (!existsSync(p)) return undefined;
  try {
    const { stamp: had, ...prepared } = JSON.parse(readFileSync(p, 'utf8')) as PreparedModel & {
      stamp?: Record<string, unknown>;
    };
    return JSON.stringify(had) === JSON.stringify(stamp) ? { ...prepared, dir } : undefined;
  } catch {
    return undefined;
  }
}
