/**
 * Extracts a transformers release's facts into data/releases/transformers-<version>.tsv:
 *   node --import tsx packages/catalog/scripts/extract-release.ts <version | wheel | checkout | site-packages>
 * then rebuild the catalog (`pnpm --filter @hf-core/catalog catalog:data`). Only facts are
 * committed (type names, config classes, auto tables, model class names, sub-config parents),
 * never transformers source.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openRelease } from '../src/upstream/pip.ts';
import { readRelease, releaseToTsv } from '../src/upstream/release.ts';
import { DATA_DIR } from './tjs-tables.ts';

const spec = process.argv[2];
if (!spec) throw new Error('usage: extract-release.ts <version | wheel | checkout | site-packages>');
const tree = openRelease(spec);
const release = readRelease(tree);
tree.close();
const file = join(DATA_DIR, 'releases', `transformers-${release.version}.tsv`);
writeFileSync(file, releaseToTsv(release));
console.log(`wrote ${release.types.size} types of transformers ${release.version} to ${file}`);
