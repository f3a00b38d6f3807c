/**
 * Turns what a user typed into a ModelRef: a model folder, a config.json, a hub id (resolved
 * through the local Hugging Face cache; the network only when allowed), or a model type.
 */
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DTYPE_ORDER, parseOnnxName } from './discover.ts';
import { HfCoreError } from './errors.ts';
import { pathEscape, readTextInside } from './paths.ts';
import type { ModelRef } from './types.ts';

export interface ParseRefOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Allow reaching the Hugging Face Hub for ids not in the cache. `HF_HUB_OFFLINE=1` always wins. */
  allowNetwork?: boolean;
}

/** Keys a config.json must have at least one of for hf-core to classify it. */
const USABLE_KEYS = [
  'model_type',
  'architectures',
  'text_config',
  'vision_config',
  'audio_config',
  'encoder',
  'decoder',
  'is_encoder_decoder',
  'num_mel_bins',
  'image_size',
  'num_channels',
  'vocab_size',
  'auto_map',
  'model',
];

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+(@[\w./-]+)?$/;
const TYPE_NAME = /^[A-Za-z0-9][\w.-]*$/;

const truthy = (v: string | undefined) => !!v && ['1', 'true', 'yes', 'on'].includes(v.toLowerCase());

/** The Hugging Face hub cache folder: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub. */
export function hubCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(env.HOME || homedir(), '.cache', 'huggingface', 'hub');
}

/** True when hf-core must not reach the network: the default, and always with HF_HUB_OFFLINE=1. */
export function isOffline(env: NodeJS.ProcessEnv, allowNetwork?: boolean): boolean {
  return truthy(env.HF_HUB_OFFLINE) || !allowNetwork;
}

/**
 * The snapshot folder of `id` at `revision` (default `main`) in the cache, or undefined.
 * Layout: `models--org--name/refs/<revision>` names a commit; `snapshots/<commit>/` holds files.
 */
export function findInHubCache(id: string, revision: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const repo = join(hubCacheDir(env), `models--${id.replace(/\//g, '--')}`);
  if (!existsSync(repo)) return undefined;
  const rev = revision ?? 'main';
  const direct = join(repo, 'snapshots', rev);
  if (/^[0-9a-f]{7,40}$/.test(rev) && existsSync(direct)) return direct;
  const refFile = join(repo, 'refs', rev);
  if (!existsSync(refFile)) return undefined;
  const commit = readFileSync(refFile, 'utf8').trim();
  const snapshot = join(repo, 'snapshots', commit);
  return commit && existsSync(snapshot) ? snapshot : undefined;
}

function parseJsonConfig(text: string, path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HfCoreError(`${path} is not valid JSON: ${(err as Error).message}.`, {
      code: 'CONFIG_INVALID',
      hint: "Pass the model's config.json as saved by transformers (`model.config.save_pretrained(dir)`).",
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HfCoreError(`${path} holds ${Array.isArray(value) ? 'an array' : typeof value}, not a config object.`, {
      code: 'CONFIG_INVALID',
      hint: 'A config.json is one JSON object with keys such as "model_type" and "architectures".',
    });
  }
  const config = value as Record<string, unknown>;
  if (!USABLE_KEYS.some((k) => config[k] !== undefined && config[k] !== null)) {
    throw new HfCoreError(`${path} has none of the fields hf-core classifies by (${USABLE_KEYS.join(', ')}).`, {
      code: 'CONFIG_UNUSABLE',
      hint: 'Is this a model\'s config.json? Add "model_type" (e.g. "bert") or "architectures" (e.g. ["BertModel"]).',
    });
  }
  return config;
}

/** Reads and checks a config.json file; errors name the path and what is missing. */
export function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) {
    throw new HfCoreError(`${path} does not exist.`, {
      code: 'CONFIG_MISSING',
      hint: 'Check the path, or pass the model folder instead.',
    });
  }
  return parseJsonConfig(readFileSync(path, 'utf8'), path);
}

/** The parsed config.json of a model folder. */
export function readModelConfig(dir: string): Record<string, unknown> {
  const path = join(dir, 'config.json');
  const read = readTextInside(dir, 'config.json');
  if (read.refused) throw pathEscape([read.refused]);
  if (read.problem) throw new HfCoreError(`${read.problem}.`, { code: 'CONFIG_INVALID' });
  if (read.text === undefined) {
    const files = existsSync(dir) ? readdirSync(dir).slice(0, 8) : [];
    throw new HfCoreError(`${dir} has no config.json${files.length ? ` (it has ${files.join(', ')})` : ''}.`, {
      code: 'CONFIG_MISSING',
      hint: 'hf-core classifies a model folder by its config.json: point at the folder that holds it, or pass a model type.',
    });
  }
  return parseJsonConfig(read.text, path);
}

function hubRef(input: string, opts: ParseRefOptions, localPath: string): ModelRef {
  const [id, revision] = input.split('@') as [string, string | undefined];
  const snapshot = findInHubCache(id, revision, opts.env);
  if (snapshot) return { kind: 'folder', path: snapshot, ref: input };
  if (isOffline(opts.env, opts.allowNetwork)) {
    const cache = hubCacheDir(opts.env);
    const forced = truthy(opts.env.HF_HUB_OFFLINE);
    throw new HfCoreError(
      `"${input}" is not in the Hugging Face cache (${cache}) and hf-core is offline${forced ? ' (HF_HUB_OFFLINE is set)' : ''}.`,
      {
        code: 'HUB_OFFLINE',
        hint: `${forced ? 'Unset HF_HUB_OFFLINE and pass --allow-network' : 'Pass --allow-network'} to fetch it, download it into the cache (\`huggingface-cli download ${id}\`), or set HF_HUB_CACHE / HF_HOME to the cache that holds it. (As a local path, ${localPath} does not exist.)`,
      },
    );
  }
  return { kind: 'hub', id, ...(revision ? { revision } : {}), ref: input };
}

/**
 * What `input` names: an existing folder, a .json config file, `org/name[@revision]` on the hub
 * (a cache hit becomes its snapshot folder), or a model type. Bad paths and configs throw an
 * HfCoreError (exit code 2) naming the path and what was wrong.
 */
export function parseRef(input: string, opts: ParseRefOptions): ModelRef {
  const ref = input.trim();
  if (!ref)
    throw new HfCoreError('An empty model reference was given.', {
      code: 'REF_INVALID',
      hint: 'Pass a model type (bert), a folder, a config.json or a hub id (org/name).',
    });
  const expanded = ref.startsWith('~/') ? join(opts.env.HOME || homedir(), ref.slice(2)) : ref;
  const path = resolve(opts.cwd, expanded);
  const pathLike = /^(\.{1,2}[\\/]|[\\/]|~)/.test(ref) || ref.endsWith('.json') || ref.includes('\\');
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) return { kind: 'folder', path, ref };
    if (path.endsWith('.json')) return { kind: 'config', path, config: readConfigFile(path), ref };
    throw new HfCoreError(`${path} is a file, not a model folder or a .json config.`, {
      code: 'REF_INVALID',
      hint: 'Pass the model folder, its config.json, a model type (bert) or a hub id (org/name).',
    });
  }
  if (pathLike) {
    throw new HfCoreError(`${path} does not exist.`, {
      code: ref.endsWith('.json') ? 'CONFIG_MISSING' : 'REF_INVALID',
      hint: 'Check the path (it is resolved from the current folder).',
    });
  }
  if (HUB_ID.test(ref)) return hubRef(ref, opts, path);
  if (TYPE_NAME.test(ref)) return { kind: 'type', modelType: ref, ref };
  throw new HfCoreError(`"${ref}" is not a model type, folder, config.json or hub id.`, {
    code: 'REF_INVALID',
    hint: 'Examples: bert, ./my-model, ./my-model/config.json, Xenova/gpt2, Xenova/gpt2@main.',
  });
}

/** Fetches config.json of a hub model (only when the network is allowed). */
export async function fetchHubConfig(
  id: string,
  revision: string | undefined,
  env: NodeJS.ProcessEnv,
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  const endpoint = (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/$/, '');
  const url = `${endpoint}/${id}/resolve/${encodeURIComponent(revision ?? 'main')}/config.json`;
  let res: Response;
  try {
    res = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: env.HF_TOKEN ? { authorization: `Bearer ${env.HF_TOKEN}` } : {},
    });
  } catch (err) {
    throw new HfCoreError(`Could not reach ${url}: ${(err as Error).message}.`, {
      code: 'HUB_UNREACHABLE',
      hint: 'Check the network or HF_ENDPOINT, or download the model into the Hugging Face cache and run again offline.',
    });
  }
  if (!res.ok) {
    throw new HfCoreError(`${url} answered ${res.status} ${res.statusText}.`, {
      code: 'HUB_NOT_FOUND',
      hint:
        res.status === 401 || res.status === 403
          ? 'The model is gated or private: set HF_TOKEN.'
          : `Check the id "${id}" and revision.`,
    });
  }
  return parseJsonConfig(await res.text(), url);
}

/** Files of a hub repo a test needs besides the ONNX files. */
const HUB_SUPPORT_FILE =
  /^(config|generation_config|preprocessor_config|processor_config|tokenizer|tokenizer_config|special_tokens_map|added_tokens|vocab)\.json$|^(vocab\.txt|merges\.txt|spiece\.model|sentencepiece\.bpe\.model)$/;

/** The files of a hub listing to fetch: support files, and the ONNX files (+ external data) of the dtypes wanted. */
export function selectHubFiles(files: string[], dtypes?: string[]): string[] {
  const onnx = files.filter((f) => f.endsWith('.onnx') && (f.startsWith('onnx/') || !f.includes('/')));
  const present = new Set(onnx.map((f) => parseOnnxName(f.split('/').pop()!).dtype));
  const wanted = new Set(dtypes?.length ? dtypes : [DTYPE_ORDER.find((d) => present.has(d)) ?? 'fp32']);
  const chosen = onnx.filter((f) => wanted.has(parseOnnxName(f.split('/').pop()!).dtype));
  const data = files.filter((f) =>
    chosen.some((o) => f !== o && f.startsWith(o) && /^(\.data|_data)(_\d+)?$/.test(f.slice(o.length))),
  );
  return [...files.filter((f) => HUB_SUPPORT_FILE.test(f)), ...chosen, ...data];
}

async function hubFetch(url: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: env.HF_TOKEN ? { authorization: `Bearer ${env.HF_TOKEN}` } : {},
    });
  } catch (err) {
    throw new HfCoreError(`Could not reach ${url}: ${(err as Error).message}.`, {
      code: 'HUB_UNREACHABLE',
      hint: 'Check the network or HF_ENDPOINT, or download the model into the Hugging Face cache and run again offline.',
    });
  }
  if (!res.ok) {
    throw new HfCoreError(`${url} answered ${res.status} ${res.statusText}.`, {
      code: 'HUB_NOT_FOUND',
      hint:
        res.status === 401 || res.status === 403
          ? 'The model is gated or private: set HF_TOKEN.'
          : 'Check the model id and revision.',
    });
  }
  return res;
}

/**
 * Downloads a hub model's config, tokenizer/processor files and the ONNX files of the dtypes
 * wanted (default: the heaviest present) into the Hugging Face cache layout
 * (`models--org--name/snapshots/<sha>/`, `refs/<revision>`), where parseRef finds it. Only with
 * the network allowed: callers check --allow-network; HF_HUB_OFFLINE=1 refuses here too.
 */
export async function downloadHubSnapshot(
  id: string,
  revision: string | undefined,
  env: NodeJS.ProcessEnv,
  opts: { dtypes?: string[]; timeoutMs?: number } = {},
): Promise<{ dir: string; files: string[] }> {
  if (truthy(env.HF_HUB_OFFLINE))
    throw new HfCoreError(`Not fetching "${id}": HF_HUB_OFFLINE is set.`, {
      code: 'HUB_OFFLINE',
      hint: 'Unset HF_HUB_OFFLINE to download.',
    });
  const endpoint = (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/$/, '');
  const rev = revision ?? 'main';
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const info = (await (
    await hubFetch(`${endpoint}/api/models/${id}/revision/${encodeURIComponent(rev)}`, env, 30_000)
  ).json()) as { sha?: string; siblings?: { rfilename: string }[] };
  const sha = info.sha;
  if (!sha || !/^[0-9a-f]{7,64}$/.test(sha) || !Array.isArray(info.siblings)) {
    throw new HfCoreError(`The hub listing of "${id}@${rev}" has no commit sha or file list.`, {
      code: 'HUB_INVALID',
      hint: 'Check HF_ENDPOINT points at a Hugging Face hub.',
    });
  }
  const files = selectHubFiles(
    info.siblings.map((s) => s.rfilename),
    opts.dtypes,
  );
  if (!files.some((f) => f.endsWith('.onnx'))) {
    throw new HfCoreError(
      `"${id}@${rev}" has no ONNX file${opts.dtypes?.length ? ` of dtype ${opts.dtypes.join(', ')}` : ''} (model.onnx or onnx/*.onnx).`,
      { code: 'NO_ONNX', hint: 'Pick a repo with an ONNX export (e.g. an onnx-community/ or Xenova/ one).' },
    );
  }
  const repo = join(hubCacheDir(env), `models--${id.replace(/\//g, '--')}`);
  const snapshot = join(repo, 'snapshots', sha);
  for (const file of files) {
    const target = resolve(snapshot, file);
    if (!target.startsWith(`${snapshot}/`))
      throw new HfCoreError(`The hub listing of "${id}" names a file outside its folder: ${file}.`, {
        code: 'HUB_INVALID',
      });
    if (existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    const res = await hubFetch(
      `${endpoint}/${id}/resolve/${sha}/${file.split('/').map(encodeURIComponent).join('/')}`,
      env,
      timeoutMs,
    );
    const part = `${target}.incomplete`;
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(part));
    renameSync(part, target);
  }
  mkdirSync(join(repo, 'refs'), { recursive: true });
  if (rev !== sha) writeFileSync(join(repo, 'refs', rev), sha);
  return { dir: snapshot, files };
}
