import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { CATALOG_DATA_FILE, catalogDataText } from '../scripts/build-catalog.ts';

it('the committed catalog.data.json is what scripts/build-catalog.ts makes from data/ and curated.ts', () => {
  expect(
    readFileSync(CATALOG_DATA_FILE, 'utf8') === catalogDataText(),
    'run `pnpm --filter @hf-core/catalog catalog:data` and commit the result',
  ).toBe(true);
});
