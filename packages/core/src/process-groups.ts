/**
 * The process groups test processes run in: their resident memory (read from /proc), and what
 * happens to them however this process ends (killed, with the other exit tasks such as lock
 * files to remove, on exit and on SIGINT, SIGTERM, SIGHUP).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The process group of each process on this machine: pid -> pgid; undefined where there is no /proc. */
function processGroups(): Map<number, number> | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const groups = new Map<number, number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesized command name: state, ppid, pgrp, ...
      groups.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]));
    } catch {
      // the process exited while we looked
    }
  }
  return groups;
}

/** Resident memory (MB) of one process, or 0 once it is gone. */
function rssOfMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Resident memory (MB) summed over every process in process group `pgid` (a test process and
 * anything it spawns, even once reparented, stay in its group). Undefined where there is no
 * /proc (not Linux): the memory cap is then not enforced.
 */
export function rssOfGroupMb(pgid: number): number | undefined {
  const groups = processGroups();
  if (!groups) return undefined;
  let total = 0;
  for (const [pid, group] of groups) if (group === pgid) total += rssOfMb(pid);
  return total;
}

/**
 * Watches the memory of every running test process group with one timer: each tick (100 ms)
 * reads the resident memory of the members it knows, and every 10th tick it scans /proc for
 * new members (a machine has hundreds of processes: scanning them all each tick for each group
 * cost more CPU than some models' tests).
 */
const watched = new Map<number, { members: Set<number>; onRss: (mb: number) => void }>();
let watchTimer: NodeJS.Timeout | undefined;
let tick = 0;
let noProc = false;

function watchTick(): void {
  if (tick++ % 10 === 0 || noProc) {
    const groups = processGroups();
    noProc = !groups;
    if (groups) for (const [pid, pgid] of groups) watched.get(pgid)?.members.add(pid);
  }
  if (noProc) return;
  for (const w of watched.values()) {
    let total = 0;
    for (const pid of w.members) {
      const mb = rssOfMb(pid);
      if (mb === 0) w.members.delete(pid);
      total += mb;
    }
    w.onRss(total);
  }
}

/** Calls `onRss` with the group's resident memory (MB) every 100 ms until the returned function is called. */
export function watchGroupRss(pgid: number, onRss: (mb: number) => void): () => void {
  watched.set(pgid, { members: new Set([pgid]), onRss });
  tick = 0; // look for its members at the next tick
  watchTimer ??= setInterval(watchTick, 100);
  return () => {
    watched.delete(pgid);
    if (!watched.size && watchTimer) {
      clearInterval(watchTimer);
      watchTimer = undefined;
    }
  };
}

/** Process groups of test runs still alive, killed if this process exits or is interrupted. */
export const liveGroups = new Set<number>();
/** What must happen however this process ends (kill test groups, remove lock files). */
const exitTasks = new Set<() => void>();
let exitHooked = false;

export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function runExitTasks(): void {
  for (const task of exitTasks) {
    try {
      task();
    } catch {
      // best effort: the process is ending
    }
  }
}

/**
 * Test processes run in their own process group (so one kill takes the whole tree), which also
 * means Ctrl-C in the terminal does not reach them. Kill them (and run the other exit tasks) when
 * this process exits or is interrupted; re-raise the signal when nobody else handles it, so the
 * default exit happens.
 */
export function hookParentExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  exitTasks.add(() => liveGroups.forEach(killGroup));
  process.on('exit', runExitTasks);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      runExitTasks();
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

/**
 * Runs `task` when this process exits or is interrupted (SIGINT, SIGTERM, SIGHUP), unless the
 * returned function cancels it first. For what a killed run must not leave behind.
 */
export function onParentExit(task: () => void): () => void {
  hookParentExit();
  exitTasks.add(task);
  return () => exitTasks.delete(task);
}
