import { readFileSync } from 'node:fs';

/**
 * CPU seconds (user + system) of the calling thread, from /proc/thread-self/stat
 * (clock ticks, 100 per second: 10 ms resolution). Node 20 has no
 * process.threadCpuUsage; the per-thread figure is what tells the critical
 * path of a split apart from the total, and it holds when other processes
 * share the cores (wall time does not). NaN off Linux.
 */
export function threadCpuSeconds(): number {
  try {
    const f = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}
