import { execFile } from 'node:child_process';

/** Runs nvidia-smi with `args`; undefined when it is not installed or fails (no driver). */
export function nvidiaSmi(args: string[], timeoutMs = 5000): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', args, { timeout: timeoutMs }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}

/** MB numbers, one per GPU line, of `--format=csv,noheader,nounits` output; NaN lines dropped. */
export function parseCsvNumbers(stdout: string): number[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map(Number)
    .filter(Number.isFinite);
}

/** GPU `deviceId`'s memory.used in MB, or undefined without nvidia-smi. */
export async function memoryUsedMb(deviceId: number): Promise<number | undefined> {
  const out = await nvidiaSmi(['--query-gpu=memory.used', '--format=csv,noheader,nounits', `--id=${deviceId}`]);
  return out === undefined ? undefined : parseCsvNumbers(out)[0];
}

/** The driver version and GPU name of `deviceId`, or undefined without nvidia-smi. */
export async function gpuInfo(deviceId: number): Promise<{ driver: string; name: string } | undefined> {
  const out = await nvidiaSmi(['--query-gpu=driver_version,name', '--format=csv,noheader', `--id=${deviceId}`]);
  const line = out?.split('\n')[0]?.trim();
  if (!line) return undefined;
  const [driver = '', ...name] = line.split(',').map((s) => s.trim());
  return { driver, name: name.join(', ') };
}

/**
 * Peak of memory.used over baseline, sampled every `intervalMs` while sessions live. Device-wide
 * (nvidia-smi cannot attribute memory to a process in every container), so it is a delta from
 * the reading taken before this process created its first CUDA session.
 */
export class VramSampler {
  private baseline?: number;
  private peak = 0;
  private timer?: NodeJS.Timeout;
  constructor(
    private readonly deviceId: number,
    private readonly intervalMs = 200,
  ) {}

  /** Reads the baseline (once) and starts sampling. */
  async start(): Promise<void> {
    if (this.baseline === undefined) this.baseline = await memoryUsedMb(this.deviceId);
    if (this.baseline === undefined || this.timer) return;
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  private async sample(): Promise<void> {
    const used = await memoryUsedMb(this.deviceId);
    if (used !== undefined && this.baseline !== undefined) this.peak = Math.max(this.peak, used - this.baseline);
  }

  /** Peak MB over baseline so far (sampling once more now), or undefined without nvidia-smi. */
  async peakMb(): Promise<number | undefined> {
    if (this.baseline === undefined) return undefined;
    await this.sample();
    return this.peak;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
