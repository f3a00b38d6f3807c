/**
 * The page's entry: points onnxruntime-web at the local server (./ort.ts), imports the bundled
 * test file (which registers its tests and the harness) and runs it. The runner reads the
 * outcome from `globalThis.__hfCoreOutcome`. transformers.js loads when the test asks for it,
 * as in Node; the engine sets it offline (./engine.ts).
 */
import { ROUTES } from '../wire.ts';
import { page } from './config.ts';
import './ort.ts';
import { runRegistered, type PageTestOutcome } from './vitest.ts';

export interface PageOutcome {
  tests: PageTestOutcome[];
  /** The test file failed to load (a syntax error, a throwing import): nothing ran. */
  loadError?: string;
}

async function main(): Promise<PageOutcome> {
  try {
    await import(`${ROUTES.bundle}test.js`);
  } catch (err) {
    return { tests: [], loadError: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  return { tests: await runRegistered() };
}

(page as unknown as { __hfCoreOutcome: Promise<PageOutcome> }).__hfCoreOutcome = main();
