import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { getEntry, suggestTypes } from '@hf-core/catalog';
import { HfCoreError } from '@hf-core/core';
import type { CliIO, CommandModule } from '../context.ts';
import { backendWith } from './backend-tools.ts';

interface ExportFlags {
  out?: string;
  seed?: number;
  size?: string;
  backend?: string;
  plugins?: string | string[];
  json?: boolean;
}

/** A tiny model of a type (or of a folder's model_type) exported to ONNX with reference outputs. */
export async function exportModel(ref: string, flags: ExportFlags, io: CliIO): Promise<number> {
  if (!flags.out)
    throw new HfCoreError('--out is required: the folder to write the export into.', { code: 'BAD_FLAG', exitCode: 2 });
  const path = resolve(io.cwd, ref);
  const isPath = existsSync(path);
  if (!isPath && !getEntry(ref)) {
    const near = suggestTypes(ref);
    throw new HfCoreError(`"${ref}" is neither a model type of the catalog nor a folder or config.json.`, {
      code: 'UNKNOWN_MODEL',
      hint: near.length ? `Did you mean ${near.join(', ')}? (hf-core catalog list)` : 'See `hf-core catalog list`.',
      exitCode: 2,
    });
  }
  if (flags.size && flags.size !== 'tiny' && flags.size !== 'micro')
    throw new HfCoreError(`--size expects tiny or micro, got "${flags.size}".`, { code: 'BAD_FLAG', exitCode: 2 });
  const { backend } = await backendWith(io, flags.plugins, flags.backend ?? 'pytorch', 'exportModel');
  const outDir = resolve(io.cwd, flags.out);
  const r = await backend.exportModel({
    ref: isPath ? path : ref,
    outDir,
    seed: Number(flags.seed ?? 0),
    size: flags.size as 'tiny' | 'micro' | undefined,
  });
  if (flags.json) io.stdout(JSON.stringify({ ...r, outDir }, null, 2));
  else if (r.status === 'pass')
    io.stdout(`hf-core export: ${r.modelType ?? ref} -> ${outDir}: ${(r.files ?? []).join(', ')}`);
  else io.stderr(`hf-core export: ${ref}: ${r.status}: ${r.reason}`);
  return r.status === 'pass' ? 0 : 1;
}

const command: CommandModule = {
  register(cli, io, done) {
    cli
      .command('export <ref>', 'Export the tiny PyTorch model of a type to ONNX, with reference.json of its outputs')
      .usage(
        'export <type|folder> --out DIR [options]\n\n' +
          'Builds the tiny model of a model type (or of the model_type of a folder / config.json) in PyTorch\n' +
          'transformers, exports it with torch.onnx.export into the transformers.js layout (config.json,\n' +
          'onnx/model.onnx, tokenizer or processor files) and writes reference.json: the PyTorch outputs\n' +
          'for fixed inputs, which `hf-core run --model DIR` holds the export to. Needs the pytorch backend\n' +
          '(`hf-core setup pytorch`). The same exporter runs as `python -m hf_core_torch.export`.\n' +
          'Exit code: 0 exported, 1 the export failed or transformers cannot build the type here, 2 usage.',
      )
      .option('--out <dir>', 'Folder to write (required)')
      .option('--seed <n>', 'Seed of the weights and inputs (default 0)')
      .option('--size <size>', 'tiny (default) or micro')
      .option('--backend <name>', 'Backend that exports (default pytorch)')
      .option('--plugins <names>', 'Plugins to load (default: the one named like the backend)')
      .option('--json', 'Print the result as JSON')
      .example('  hf-core export bert --out exports/bert')
      .example('  hf-core export ./my-model/config.json --out exports/mine --seed 1')
      .example('  hf-core run --model exports/bert --plugins checkpoint,cpu')
      .action((ref: string, flags: ExportFlags) => done(exportModel(ref, flags, io)));
  },
};
export default command;
