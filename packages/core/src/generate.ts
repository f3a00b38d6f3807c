import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Project } from 'ts-morph';
import type { HfCore } from './core.ts';
import { HfCoreError } from './errors.ts';
import { pluginFix, pluginsThatPrepare } from './suggest.ts';
import type { FixContext, FixDiagnostic } from './hooks.ts';
import type { Classification, PreparedModel } from './types.ts';

/** A fix function: runs the fix chain over one file's text. */
export type Fixer = (
  source: string,
  opts: { filePath: string; previous?: string },
) => Promise<{ text: string; diagnostics: FixDiagnostic[]; changedBy: string[] }>;

/** The fix hook over an in-memory ts-morph file; @hf-core/fix offers a type-checking one. */
export function hookFixer(core: HfCore): Fixer {
  // ts-morph (and the TypeScript compiler in it) is loaded on first use: importing core stays fast.
  let loading: Promise<Project> | undefined;
  return async (source, { filePath, previous }) => {
    loading ??= import('ts-morph').then(({ Project }) => new Project({ useInMemoryFileSystem: true }));
    const project = await loading;
    const file = project.createSourceFile(filePath, source, { overwrite: true });
    const ctx: FixContext = { filePath, previous, diagnostics: [], changedBy: [] };
    const out = await core.hooks.fix.promise(file, ctx);
    const text = out.getFullText();
    project.removeSourceFile(out);
    return { text, diagnostics: ctx.diagnostics, changedBy: ctx.changedBy };
  };
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
  /** Synthesized model folders are reused when present (same seed and size give the same bytes). */
  reuseModels?: boolean;
}

export interface Generated {
  classification: Classification;
  prepared: PreparedModel;
  testFile: string;
  template: string;
  changedBy: string[];
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
  const stamp = { modelType: c.modelType, claimedBy: c.claimedBy ?? null, seed, size };
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
  const prepared = await prepareModel(core, c, opts);
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
  const fixer = opts.fixer ?? hookFixer(core);
  const fixed = await fixer(rendered.source, { filePath: testFile, previous });
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
  return { classification: c, prepared, testFile, template: rendered.template, changedBy: fixed.changedBy };
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
