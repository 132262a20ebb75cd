/**
 * Records the small captures in test/pcaps/ that the golden replays use: real
 * scanners of the namespace lab (test/scenarios/catalog.ts), with its benign
 * traffic, tcpdump on the victim veth. Run as root, rarely (the goldens must
 * then be renewed and their diff read):
 *
 *   sudo node --import tsx test/golden/record-pcaps.ts [slug ...]
 *   PENG_GOLDEN_UPDATE=1 node --import tsx --test test/golden/golden.test.ts
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/cli.js';
import { labUnavailable, ScanLab } from '../helpers/scan-lab.js';
import { runScenario, SCENARIOS } from '../scenarios/catalog.js';

/** Small and varied: TCP vertical, stealth, UDP, horizontal, IPv6, raw-socket tools. */
export const GOLDEN_SLUGS = ['nmap-sS', 'nmap-sF', 'nmap-sU', 'nmap-sweep', 'nmap-6-sS', 'masscan', 'zmap'];

const why = labUnavailable();
if (why) {
  console.error(`cannot record: ${why}`);
  process.exit(1);
}
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : GOLDEN_SLUGS;
const dir = mkdtempSync(join(tmpdir(), 'peng-golden-'));
const lab = await ScanLab.create();
try {
  for (const slug of wanted) {
    const s = SCENARIOS.find((x) => x.slug === slug);
    if (!s) throw new Error(`no scenario ${slug}`);
    const run = await runScenario(lab, s, dir, { live: false });
    copyFileSync(run.pcap, join(REPO, 'test/pcaps', `${slug}.pcap`));
    console.log(`${slug}: ${run.recorded.captured} packets (${run.command})`);
  }
} finally {
  await lab.destroy();
  rmSync(dir, { recursive: true, force: true });
}
