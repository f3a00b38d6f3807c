import { readFileSync } from 'node:fs';

/** hf-core's version, as published: read from this package's package.json (one level above src/ and dist/). */
export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
