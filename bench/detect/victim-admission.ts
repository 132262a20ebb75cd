// In-process: CPU of the victim detector alone on a capture, admission off (0) and on (8), alternating.
// node --import tsx bench/detect/victim-admission.ts FILE.pcap (src/detect/victim/NOTES.md, Admission)
import { FileSource } from '../../src/capture/file-source.js';
import { decode } from '../../src/decode/decode.js';
import { DecodeStatus } from '../../src/decode/status.js';
import { coerceParam } from '../../src/config/params.js';
import { CidrSet } from '../../src/decode/cidr-set.js';
import { victimModule } from '../../src/detect/victim/module.js';
import { StatsRegistry } from '../../src/stats/counters.js';
const file = process.argv[2];
async function run(admit: number | null): Promise<number> {
  const values: Record<string, any> = {};
  for (const p of victimModule.params) values[p.name] = coerceParam(p, p.name === 'distributed-admit-syns' && admit !== null ? admit : undefined);
  const d: any = admit === null ? null : victimModule.create({ params: values, emit: () => {}, stats: new StatsRegistry(), localNets: new CidrSet(), verbose: 0, trace: () => {}, warn: () => {}, sensorName: 't', sourceName: 't' } as any);
  const c0 = process.cpuUsage();
  await new FileSource(file).run((v: any) => {
    if (decode(v) !== DecodeStatus.OK) return;
    if (d !== null) d.onPacket(v);
  });
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}
const out: string[] = [];
for (let r = 0; r < 3; r++) for (const a of [null, 0, 8] as const) out.push(`${a === null ? 'read+decode' : 'admit=' + a}: ${(await run(a)).toFixed(2)}s`);
console.log(file, out.join(' | '));
