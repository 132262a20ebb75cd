/**
 * How much of a replay's CPU is the JavaScript engine warming up (issue 9).
 * Replays FILE N times (default 4) in ONE process with the compiled build
 * (`npm run build` first), the full pipeline as the CLI assembles it, and
 * prints per run the CPU seconds of the main thread and of the other threads
 * (V8's background compiler and GC helpers, from /proc/self/task). The first
 * run is what `npm run bench` and the CLI pay (a fresh process); the later
 * ones are the steady state a long replay or a live sensor reaches.
 *
 *   node --import tsx bench/warm-cold.ts FILE [N]
 *   EXTRA='--no-decoy' node --import tsx bench/warm-cold.ts FILE   (more CLI arguments)
 *
 * A figure, never an assertion. On a loaded 2-core machine, compare changes
 * by interleaving runs and reporting min and max.
 */
import { readdirSync, readFileSync } from 'node:fs';

const [file, n = '4'] = process.argv.slice(2);
if (!file) throw new Error('usage: node --import tsx bench/warm-cold.ts FILE [N]');
const base = new URL('../dist/src/', import.meta.url).href;
const { assemble } = (await import(`${base}assemble/assemble.js`)) as typeof import('../src/assemble/assemble.js');
const { ALL_MODULES } = (await import(`${base}assemble/registry.js`)) as typeof import('../src/assemble/registry.js');
const { parseCli } = (await import(`${base}config/cli.js`)) as typeof import('../src/config/cli.js');

/** CPU seconds (user + system) of each thread of this process, by thread id. */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, (Number(f[11]) + Number(f[12])) / 100); // utime, stime in clock ticks (USER_HZ 100)
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

const mainTid = String(process.pid);
for (let i = 1; i <= Number(n); i++) {
  const params = parseCli(['-r', file, '--local-net', '10.1.0.0/16', '-verbose', '0', ...(process.env.EXTRA ?? '').split(' ').filter(Boolean)], ALL_MODULES);
  const a = await assemble(params, { warn: () => {}, sinks: [] });
  const before = threadCpu();
  const cpu0 = process.cpuUsage();
  await a.sensor.run();
  const cpu = process.cpuUsage(cpu0);
  const after = threadCpu();
  let main = 0;
  let others = 0;
  for (const [tid, t] of after) {
    const d = t - (before.get(tid) ?? 0);
    if (tid === mainTid) main += d;
    else others += d;
  }
  const packets = a.stats.snapshot()['packets.seen'];
  const total = (cpu.user + cpu.system) / 1e6;
  console.log(
    `run ${i}: ${packets} packets, CPU ${total.toFixed(2)} s (main thread ${main.toFixed(2)}, other threads ${others.toFixed(2)}), ${Math.round((total * 1e9) / packets)} ns/packet`,
  );
}
