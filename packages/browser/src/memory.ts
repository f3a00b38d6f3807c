/**
 * The browser's memory, from /proc (Linux; elsewhere nothing is recorded): the proportional set
 * (PSS: shared pages split between the processes that share them, so the sum does not count
 * Chromium's shared libraries ten times) of Chromium's process tree, sampled while the test
 * runs, and each process's own peak resident set (VmHWM) by its role: the renderer runs the
 * page's WebAssembly, the GPU process runs WebGPU.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface Proc {
  pid: number;
  ppid: number;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      out.push({ pid: Number(e), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** `root` and every process below it. */
export function processTree(root: number): number[] {
  const all = processes();
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const p of all) if (p.ppid === tree[i]) tree.push(p.pid);
  return tree;
}

const fieldKb = (file: string, field: 'Pss' | 'VmHWM'): number => {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
};

const role = (pid: number): string => {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser';
  } catch {
    return 'gone';
  }
};

const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;

export interface BrowserMemory {
  /** Peak of the summed proportional set (PSS) of the browser's processes, sampled every 2 s. */
  browser_peak_pss_mb: number;
  /**
   * Peak resident set (VmHWM) of the page's renderer, the process that ran the model's
   * WebAssembly and JavaScript: what `peak_rss_mb` means on every backend.
   */
  peak_rss_mb?: number;
  /** Peak resident set (VmHWM) of the GPU process (WebGPU, SwiftShader included). */
  gpu_process_peak_rss_mb?: number;
}

/**
 * Samples the browser tree under `root` until `stop()`, which returns what it saw. Every 2 s:
 * reading PSS walks each process's page tables (about 4 ms of kernel time per Chromium process),
 * and the per-process peaks (VmHWM) are exact whenever they are read.
 */
export function sampleBrowserMemory(root: number, everyMs = 2000): { stop(): BrowserMemory | undefined } {
  let peak = 0;
  const hwm: Record<string, number> = {};
  const sample = () => {
    let total = 0;
    for (const pid of processTree(root)) {
      total += fieldKb(`/proc/${pid}/smaps_rollup`, 'Pss');
      const r = role(pid);
      hwm[r] = Math.max(hwm[r] ?? 0, fieldKb(`/proc/${pid}/status`, 'VmHWM'));
    }
    peak = Math.max(peak, total);
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    readdirSync('/proc');
    sample();
    timer = setInterval(sample, everyMs);
  } catch {
    return { stop: () => undefined };
  }
  return {
    stop() {
      sample();
      clearInterval(timer);
      return {
        browser_peak_pss_mb: mb(peak),
        ...(hwm.renderer ? { peak_rss_mb: mb(hwm.renderer) } : {}),
        ...(hwm['gpu-process'] ? { gpu_process_peak_rss_mb: mb(hwm['gpu-process']) } : {}),
      };
    },
  };
}
