import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HfCorePlugin } from '../plugin.ts';
import type { RunSummary } from '../types.ts';

export const PLUGIN_NAME = 'hf-core:report-junit';

const xml = (s: unknown) =>
  String(s ?? '')
    // characters XML 1.0 cannot carry at all
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '�')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** One testsuite per model x backend, one testcase per check; a skipped check is <skipped/>. */
export function renderJunit(s: RunSummary): string {
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="hf-core" tests="${s.results.reduce((a, r) => a + Math.max(1, r.checks.length), 0)}">`,
  ];
  for (const r of s.results) {
    const name = `${r.ref} [${r.backend}]`;
    const seconds = (r.duration_ms / 1000).toFixed(3);
    const cases = r.checks.length
      ? r.checks
      : [{ name: 'run', status: r.status === 'skip' ? 'skip' : 'fail', message: r.reason }];
    const failures = cases.filter((c) => c.status === 'fail').length;
    const skipped = cases.filter((c) => c.status === 'skip').length;
    out.push(
      `  <testsuite name="${xml(name)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}" time="${seconds}">`,
    );
    for (const c of cases) {
      out.push(
        `    <testcase classname="${xml(`hf-core.${r.family ?? 'unknown'}.${r.backend}`)}" name="${xml(`${r.ref}: ${c.name}`)}">`,
      );
      if (c.status === 'fail')
        out.push(
          `      <failure message="${xml(c.message)}">${xml(r.status === 'fail' ? c.message : `${r.status}: ${r.reason}`)}</failure>`,
        );
      if (c.status === 'skip') out.push(`      <skipped message="${xml(c.message)}"/>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

/** junit.xml for CI systems. */
export const junitReporter = (): HfCorePlugin => ({
  name: PLUGIN_NAME,
  apply(core) {
    core.hooks.report.tapPromise(PLUGIN_NAME, async (ctx) => {
      const file = join(ctx.outDir, 'junit.xml');
      await writeFile(file, renderJunit(ctx.summary));
      ctx.written.junit = file;
    });
  },
});
