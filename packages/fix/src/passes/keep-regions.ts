import { commentText, FIX_STAGE, readTemplateVersion, type HfCorePlugin } from '@hf-core/core';
import { noteChange, report, setText } from '../diagnostics.ts';
import { CURRENT_TEMPLATE_VERSION } from '../migrations.ts';
import { scratchFile } from '../project.ts';
import { KEEP_END, KEEP_START, parseKeepRegions } from '../regions.ts';
import { migrateFile, type MigrateOptions } from './migrate.ts';

export const PLUGIN_NAME = 'hf-core:fix:keep-regions';

/**
 * The previous file's text at the current template version: its regions were written against
 * the harness API of its own version, so they are migrated like the rest of an old file.
 */
function previousAtCurrentVersion(previous: string, o: MigrateOptions): string {
  const version = readTemplateVersion(previous);
  if (version === undefined || version >= (o.currentVersion ?? CURRENT_TEMPLATE_VERSION)) return previous;
  const file = scratchFile(previous);
  migrateFile(file, o);
  return file.getFullText();
}

/**
 * Carries user code from the file on disk (`ctx.previous`) into the regenerated one: each
 * same-named region's body byte for byte; a region the new file lacks is appended at the end,
 * inside its markers, so regeneration never loses code.
 */
export default function keepRegionsPlugin(o: MigrateOptions = {}): HfCorePlugin {
  return {
    name: PLUGIN_NAME,
    apply(core) {
      core.hooks.fix.tapPromise({ name: PLUGIN_NAME, stage: FIX_STAGE.KEEP_REGIONS }, async (file, ctx) => {
        const text = file.getFullText();
        const fresh = parseKeepRegions(text);
        for (const p of fresh.problems) report(ctx, PLUGIN_NAME, p.line, 1, p.message);
        if (ctx.previous === undefined) return file;
        const old = parseKeepRegions(previousAtCurrentVersion(ctx.previous, o));
        for (const p of old.problems) {
          report(
            ctx,
            PLUGIN_NAME,
            p.line,
            1,
            `in the file on disk: ${p.message}; fix the markers there by hand (nothing was overwritten)`,
          );
        }
        if (old.problems.length || fresh.problems.length) return file;

        let out = text;
        for (const r of [...fresh.regions].sort((a, b) => b.bodyStart - a.bodyStart)) {
          const kept = old.regions.find((x) => x.name === r.name);
          if (kept) out = out.slice(0, r.bodyStart) + kept.body + out.slice(r.bodyEnd);
        }
        const orphans = old.regions.filter((r) => !fresh.regions.some((x) => x.name === r.name));
        for (const r of orphans) {
          if (!out.endsWith('\n')) out += '\n';
          out +=
            `\n// hf-core: region "${commentText(r.name)}" was kept from the previous file; this template has no place for it, so it lives here now.\n` +
            `// ${KEEP_START} ${r.name}\n${r.body}${r.body === '' || r.body.endsWith('\n') ? '' : '\n'}// ${KEEP_END}\n`;
        }
        if (out !== text) setText(file, out);
        noteChange(ctx, PLUGIN_NAME, text, out);
        return file;
      });
    },
  };
}
