#!/usr/bin/env node
// The hf-core command of the `hf-core` package: @hf-core/cli, with the plugins this package brings
// found wherever the package manager put them (npm hoists them beside it; pnpm does not).
import { delimiter, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
process.env.HF_CORE_PLUGIN_PATH = [process.env.HF_CORE_PLUGIN_PATH, here].filter(Boolean).join(delimiter);
const { main } = await import('@hf-core/cli');
process.exitCode = await main(process.argv.slice(2));
