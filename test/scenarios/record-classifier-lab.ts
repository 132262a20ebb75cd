/**
 * Records the lab captures the default classifier model is trained on: real
 * nmap scans (-sS -sT -sF -sN -sX, nmap-harvester's five) from 10.77.0.1 /
 * fd77::1, each while the lab's benign client (10.77.0.5 / fd77::5: HTTP
 * fetches, DNS queries, a few refused connections) runs, between two network
 * namespaces (test/helpers/scan-lab.ts). One pcap per technique and "day":
 *   day1: IPv4, nmap -T4, ports 1-1000, benign HTTP every 50 ms
 *   day2: IPv6, nmap -T3, ports 1-1500, benign HTTP every 200 ms
 * Needs root; run it under the lab lock:
 *   flock /tmp/peng-lab.lock node --import tsx test/scenarios/record-classifier-lab.ts OUTDIR
 * Writes OUTDIR/<day>-<technique>.pcap; models/make-default-model.sh turns
 * them into the labelled session CSVs in models/data/.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { labUnavailable, SCANNER4, SCANNER6, ScanLab, VICTIM6, VICTIMS4 } from '../helpers/scan-lab.js';

export const TECHNIQUES = ['sS', 'sT', 'sF', 'sN', 'sX'] as const;
export const DAYS = [
  { name: 'day1', v6: false, target: VICTIMS4[0], timing: '-T4', ports: '1-1000', httpGap: 0.05 },
  { name: 'day2', v6: true, target: VICTIM6, timing: '-T3', ports: '1-1500', httpGap: 0.2 },
] as const;

async function main(out: string): Promise<void> {
  const why = labUnavailable();
  if (why) throw new Error(`cannot build the lab: ${why}`);
  mkdirSync(out, { recursive: true });
  const lab = await ScanLab.create();
  try {
    for (const day of DAYS) {
      for (const t of TECHNIQUES) {
        const path = join(out, `${day.name}-${t}.pcap`);
        const rec = await lab.record(path);
        const benign = lab.benign({ seconds: 6, ipv6: day.v6, httpGap: day.httpGap });
        // -e/-S: the scanner's own address (the kernel would pick the benign client's fd77::5 for IPv6).
        const from = ['-e', lab.scannerIf, '-S', day.v6 ? SCANNER6 : SCANNER4];
        const scan = await lab.scanner('nmap', [`-${t}`, '-n', '-Pn', ...from, day.timing, '-p', day.ports, ...(day.v6 ? ['-6'] : []), day.target], 300_000);
        if (scan.code !== 0) throw new Error(`nmap -${t} failed: ${scan.stderr}`);
        const b = await benign;
        const r = await rec.stop();
        process.stderr.write(`${path}: ${r.captured} packets, nmap ${scan.ms} ms, benign ${JSON.stringify(b)}\n`);
      }
    }
  } finally {
    await lab.destroy();
  }
}

main(resolve(process.argv[2] ?? 'lab-captures')).catch((e: unknown) => {
  process.stderr.write(`record-classifier-lab: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
