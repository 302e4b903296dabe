/**
 * What the benches read of processes from Linux's /proc: CPU time, peak memory, descendants. One
 * copy for every bench (scale, stores-rebuild, serving load, reads under writes, import).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Fields of /proc/PID/stat after the command: state(0) ppid(1) … utime(11) stime(12). */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU seconds a process has used so far; `undefined` once it is gone (or not Linux). */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const f = statFields(pid);
    return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** A process's peak resident memory so far (`VmHWM`), MB; `undefined` once it is gone. */
export function peakRssMb(pid: number): number | undefined {
  try {
    const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return hwm ? Number(hwm[1]) / 1024 : 0;
  } catch {
    return undefined;
  }
}

/** Every descendant of `root` (children, their children, …), not `root` itself. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(statFields(Number(name))[1]);
      let list = children.get(ppid);
      if (!list) children.set(ppid, (list = []));
      list.push(Number(name));
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  for (let i = -1; i < out.length; i++) out.push(...(children.get(i < 0 ? root : out[i]!) ?? []));
  return out;
}

/** CPU seconds so far of every process named `comm` (postgres, redis-server), by pid. */
export function cpuByComm(comm: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() !== comm) continue;
      const cpu = cpuSeconds(Number(d));
      if (cpu !== undefined) out.set(Number(d), cpu);
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}
