/**
 * Runs broken folders through the CLI as a user would (`hf-core classify`, `generate`, `run`,
 * through `main` in a worker process) and watches what no exit code shows: a fifo canary with a
 * reader (an open outside the folder, or of a fifo that would block), strace lines that touch the
 * canaries (when strace is installed), files changed in the folders or beside the canaries, a
 * stage that stalls past its deadline, an exception that escapes `main`. A batch that crashes or
 * hangs is split in halves until the folder that does it is alone.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CANARY_BYTES, fifoHasReader, snapshotTree, treeChanges } from './canaries.ts';
import type { BrokenFolder } from './corpus.ts';

export const STAGES = ['classify', 'generate', 'run'] as const;
export type Stage = (typeof STAGES)[number];

/** One folder at one stage: the status a user sees, and what the watch found wrong. */
export interface StageOutcome {
  status: string;
  reason?: string;
  /** Failures of hf-core itself: crash, hang, outside-read, outside-write, fifo-read. */
  problems: string[];
}

export interface DriverOptions {
  work: string;
  /** --timeout of `hf-core run`, per model. */
  timeoutMs: number;
  /** Trace file syscalls with strace (when installed). */
  strace: boolean;
  log?: (line: string) => void;
}

const repo = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
/** tsx's loader, by path: the worker runs in a scratch folder, where `--import tsx` would not resolve. */
const TSX = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'loader.mjs'),
).href;

export const straceAvailable = () => spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;

type Reply = { code: number; stdout: string; stderr: string } | { crash: string } | { hang: string };

/** The worker process: CLI `main` in-process, optionally under strace. */
class Worker {
  private child?: ChildProcess;
  private ready?: Promise<void>;
  private seq = 0;
  private onMessage?: (m: Record<string, unknown>) => void;
  constructor(
    private readonly o: DriverOptions,
    private readonly hits: string,
  ) {}

  private start(): Promise<void> {
    const node = [process.execPath, '--conditions=hf-core-source', '--import', TSX, WORKER];
    const outside = join(this.o.work, 'outside');
    const corpus = join(this.o.work, 'corpus');
    // Only lines that name the canaries' folder, the corpus, or the canary file's size are kept.
    const filter = `|grep -F -e '${outside}/' -e '${corpus}/' -e '_size=${CANARY_BYTES}' >> '${this.hits}'`;
    const argv = this.o.strace
      ? ['strace', '-f', '--seccomp-bpf', '-y', '-qq', '-e', 'trace=%file', '-e', 'signal=none', '-o', filter, ...node]
      : node;
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: join(this.o.work, 'cwd'),
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      detached: true,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', HF_HUB_OFFLINE: '1' },
    });
    this.child = child;
    return new Promise((resolve, reject) => {
      child.on('message', (m: Record<string, unknown>) => (m.ready ? resolve() : this.onMessage?.(m)));
      child.on('exit', (code) => {
        if (this.child === child) this.child = undefined;
        reject(new Error(`fuzz worker exited with ${code} before it was ready`));
        this.onMessage?.({ id: -1, crash: `the hf-core process exited (code ${code})` });
      });
    });
  }

  /** Ends the worker and its process group (vitest children included). */
  stop(): void {
    const pid = this.child?.pid;
    this.child = undefined;
    this.ready = undefined;
    if (pid)
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
  }

  /** Runs `argv`; `watch` is called every 250 ms; a stage with no output for `stallMs` is a hang. */
  async request(argv: string[], stallMs: number, watch: () => void): Promise<Reply> {
    mkdirSync(join(this.o.work, 'cwd'), { recursive: true });
    this.ready ??= this.start();
    await this.ready;
    const id = ++this.seq;
    return new Promise<Reply>((resolve) => {
      let last = Date.now();
      const timer = setInterval(() => {
        watch();
        if (Date.now() - last > stallMs) finish({ hang: `no progress for ${Math.round(stallMs / 1000)} s` });
      }, 250);
      const finish = (r: Reply) => {
        clearInterval(timer);
        this.onMessage = undefined;
        if (!('code' in r)) this.stop();
        resolve(r);
      };
      this.onMessage = (m) => {
        if (m.id !== id && m.id !== -1 && m.id !== undefined) return;
        last = Date.now();
        if (typeof m.line === 'string') this.o.log?.(m.line);
        else if (typeof m.crash === 'string') finish({ crash: m.crash });
        else if (typeof m.code === 'number') finish(m as Reply);
      };
      this.child!.send({ id, argv, cwd: join(this.o.work, 'cwd') });
    });
  }
}

/** Where a message names a file of the folder (or the folder): what "a reason naming the file" means. */
export const namesAFile = (reason: string | undefined, dir: string) =>
  !!reason &&
  (reason.includes(dir) || /[\w.-]+\.(onnx|json|data|onnx_data|bin|txt|fifo|model)\b|\bonnx\//.test(reason));

function fifosUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (!lstatSync(dir).isDirectory()) return lstatSync(dir).isFIFO() ? [dir] : [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFIFO()) out.push(join(dir, e.name));
    else if (e.isDirectory()) out.push(...fifosUnder(join(dir, e.name)));
  }
  return out;
}

/** The outcomes of one batch reply, per folder; undefined when the batch itself failed. */
type Parse = (
  r: Extract<Reply, { code: number }>,
  folders: BrokenFolder[],
  out: string,
) => Map<string, StageOutcome> | undefined;

const row = (status: string, reason?: string): StageOutcome => ({
  status,
  ...(reason ? { reason } : {}),
  problems: [],
});

const unexpected = (r: { stderr: string }) => /unexpected error/.test(r.stderr);

const PARSE: Record<Stage, Parse> = {
  classify(r, folders) {
    if (unexpected(r) || (r.code !== 0 && r.code !== 2)) return undefined;
    let rows: { ref: string; family: string | null; reason: string }[];
    try {
      rows = JSON.parse(r.stdout);
    } catch {
      return undefined;
    }
    const by = new Map(rows.map((x) => [x.ref, x]));
    return new Map(
      folders.map((f) => {
        const x = by.get(f.dir);
        return [f.id, x ? row(x.family ? 'claimed' : 'unclaimed', x.reason) : row('absent', 'no classification row')];
      }),
    );
  },
  generate(r, folders) {
    if (unexpected(r) || r.code > 2) return undefined;
    if (r.code === 2) return new Map(folders.map((f) => [f.id, row('refused', r.stderr.split('\n').at(-1))]));
    let rows: { results: { ref: string; status: string; reason?: string }[] };
    try {
      rows = JSON.parse(r.stdout);
    } catch {
      return undefined;
    }
    const by = new Map(rows.results.map((x) => [x.ref, x]));
    return new Map(
      folders.map((f) => {
        const x = by.get(f.dir);
        return [f.id, x ? row(x.status, x.reason) : row('absent', 'no generate row')];
      }),
    );
  },
  run(r, folders, out) {
    if (unexpected(r) || (r.code !== 0 && r.code !== 1)) return undefined;
    const file = join(out, 'results.jsonl');
    const rows = existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { ref: string; status: string; reason: string })
      : [];
    const by = new Map(rows.map((x) => [x.ref, x]));
    return new Map(
      folders.map((f) => {
        const x = by.get(f.dir);
        return [f.id, x ? row(x.status, x.reason) : row('absent', 'no result row')];
      }),
    );
  },
};

function argvOf(stage: Stage, folders: BrokenFolder[], out: string, o: DriverOptions): string[] {
  const dirs = folders.map((f) => f.dir);
  if (stage === 'classify') return ['classify', ...dirs, '--json', '--plugins', 'checkpoint'];
  if (stage === 'generate') return ['generate', ...dirs, '--plugins', 'checkpoint,cpu', '--out', out, '--json'];
  return [
    'run',
    ...dirs.flatMap((d) => ['--model', d]),
    ...['--plugins', 'checkpoint,cpu', '--backends', 'cpu', '--out', out, '--timeout', String(o.timeoutMs)],
    ...['--warmup', '0', '--runs', '1', '--min-ms', '0', '--reporters', 'json', '--quiet'],
  ];
}

/** Syscalls that change a tree (open for writing is matched by its flags). */
const WRITE_CALLS =
  /^(unlink|unlinkat|rename|renameat|renameat2|mkdir|mkdirat|rmdir|symlink|symlinkat|link|linkat|chmod|fchmodat|truncate|utimensat|setxattr|removexattr)$/;

/** Runs folders through the stages; returns each folder's outcome per stage. */
export class Driver {
  private readonly worker: Worker;
  private readonly hitsFile: string;
  private batch = 0;
  constructor(private readonly o: DriverOptions) {
    this.hitsFile = join(o.work, 'strace-hits.log');
    this.worker = new Worker(o, this.hitsFile);
  }

  stop(): void {
    this.worker.stop();
  }

  /** A stage over a batch of folders, split in halves where the batch crashes or hangs. */
  async stage(stage: Stage, folders: BrokenFolder[]): Promise<Map<string, StageOutcome>> {
    const out = join(this.o.work, 'out', `${stage}-${++this.batch}`);
    const before = new Map(folders.map((f) => [f.id, [...snapshotTree(f.dir), ...snapshotTree(f.outside.dir)]]));
    const fifos = new Map(folders.map((f) => [f.id, [...fifosUnder(f.dir), ...fifosUnder(f.outside.dir)]]));
    const read = new Map<string, Set<string>>();
    const watch = () => {
      for (const [id, list] of fifos)
        for (const fifo of list)
          if (fifoHasReader(fifo)) {
            const set = read.get(id) ?? new Set();
            read.set(id, set.add(fifo));
          }
    };
    const perModel = this.o.timeoutMs + 90_000;
    const reply = await this.worker.request(
      argvOf(stage, folders, out, this.o),
      stage === 'run' ? perModel : 180_000,
      watch,
    );
    watch();
    const parsed = 'code' in reply ? PARSE[stage](reply, folders, out) : undefined;
    if (!parsed) {
      const what =
        'crash' in reply
          ? `crash: ${reply.crash}`
          : 'hang' in reply
            ? `hang: ${reply.hang}`
            : `exit ${reply.code}: ${reply.stderr.slice(-600)}`;
      if (folders.length > 1) {
        this.o.log?.(`${stage}: a batch of ${folders.length} failed (${what.slice(0, 200)}); splitting it`);
        const half = Math.ceil(folders.length / 2);
        return new Map([
          ...(await this.stage(stage, folders.slice(0, half))),
          ...(await this.stage(stage, folders.slice(half))),
        ]);
      }
      const kind = 'hang' in reply ? 'hang' : 'crash';
      return new Map([[folders[0]!.id, { status: kind, reason: what, problems: [`${kind}: ${what.slice(0, 400)}`] }]]);
    }
    for (const f of folders) {
      const o = parsed.get(f.id)!;
      for (const fifo of read.get(f.id) ?? [])
        o.problems.push(
          fifo.startsWith(f.outside.dir)
            ? `outside-read: ${fifo} was opened`
            : `fifo-read: ${fifo} was opened (it would block)`,
        );
      const changes = treeChanges(before.get(f.id)!, [...snapshotTree(f.dir), ...snapshotTree(f.outside.dir)]);
      if (changes.length) o.problems.push(`outside-write: ${changes.slice(0, 3).join('; ')}`);
    }
    return parsed;
  }

  /** strace lines that touched a canary or wrote into a folder, by folder id (empty without strace). */
  straceFindings(folders: BrokenFolder[]): Map<string, string[]> {
    const found = new Map<string, string[]>();
    if (!existsSync(this.hitsFile)) return found;
    const add = (id: string, line: string) => found.set(id, [...(found.get(id) ?? []), line.slice(0, 300)]);
    for (const line of readFileSync(this.hitsFile, 'utf8').split('\n')) {
      if (!line) continue;
      const f = folders.find(
        (x) => line.includes(`${x.outside.dir}/`) || line.includes(`${x.dir}/`) || line.includes(`"${x.dir}"`),
      );
      const call = /^\d+ +(\w+)\(/.exec(line)?.[1] ?? '';
      if (line.includes(`_size=${CANARY_BYTES}`)) add(f?.id ?? '?', `outside-stat: ${line}`);
      // readlink of a link in the folder prints the target it names: reading the link is allowed.
      else if (f && line.includes(`${f.outside.dir}/`) && !call.startsWith('readlink'))
        add(f.id, `outside-touch: ${line}`);
      else if (f && (WRITE_CALLS.test(call) || /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/.test(line)) && !/ = -1 E/.test(line))
        add(f.id, `write: ${line}`);
    }
    return found;
  }
}

export { repo };
