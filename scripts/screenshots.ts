/**
 * `npm run screenshots`: regenerates docs/web-live.png and docs/web-report.png
 * with Debian's chromium (playwright-core). The live view is taken while the
 * sensor replays a capture fed through standard input and stopped half way
 * (scans still engaged); the report is the --report file of a whole capture.
 * Uses the shared captures when present, else the bundled sample.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser } from '../test/helpers/browser.js';
import { REPO, SAMPLE, SHARED_CAPTURES, runCli } from '../test/helpers/cli.js';
import { recordsBetween, splitPcap } from '../test/helpers/pcap-split.js';

// Live: nmap's SYN, FIN, XMAS and UDP phases against one host (stopped during XMAS);
// report: a cloud VM's UDP scan with the Internet's background SYN probers (four scanners).
const LIVE = join(SHARED_CAPTURES, 'DERIVED_sll_hw13-01_nmap_multi.pcap');
const LIVE_NET = '192.168.67.0/24';
const REPORT = join(SHARED_CAPTURES, 'DERIVED_rawip_victorialugi_nmap_sU_cloudvm.pcap');
const REPORT_NET = '158.160.84.0/24';

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'peng-shots-'));
  const browser = await launchBrowser();
  try {
    // Live: the capture up to a cut, then the sensor waits for more.
    const livePath = existsSync(LIVE) ? LIVE : SAMPLE;
    const pcap = splitPcap(livePath);
    const t0 = pcap.records[0].ts;
    const cut = livePath === LIVE ? 1731252822.5 : t0 + (pcap.records.at(-1)!.ts - t0) * 0.7; // MANIFEST.tsv: XMAS phase 1731252821.20-823.67
    const args = ['--import', 'tsx', join(REPO, 'src/main.ts'), '-r', '-', '-timeFrame', livePath === LIVE ? '10s' : '200ms', '--web', '127.0.0.1:0', '-verbose', '0', '--sensor-name', 'sensor-1'];
    args.push('--local-net', livePath === LIVE ? LIVE_NET : '10.99.0.0/24');
    const child = spawn(process.execPath, args, { cwd: REPO, env: { ...process.env, TZ: 'UTC' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.write(Buffer.concat([pcap.header, recordsBetween(pcap, 0, cut)]));
    await until(() => /web view at http/.test(stderr), 30_000, 'the web view');
    const url = /web view at (http:\/\/\S+\/)/.exec(stderr)![1];
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(url);
    await page.locator('#inbox-body tr[data-status="engaged"]').first().waitFor({ timeout: 30_000 });
    await page.locator('#inbox-body tr[data-status="engaged"]').first().click();
    await page.locator('#detail table.history').waitFor();
    await page.screenshot({ path: join(REPO, 'docs/web-live.png'), fullPage: true });
    child.stdin.end();
    child.kill('SIGINT');
    await new Promise((r) => child.on('close', r));

    // Report: the whole of a capture.
    const report = join(dir, 'report.html');
    const reportArgs = existsSync(REPORT)
      ? ['-r', REPORT, '--local-net', REPORT_NET, '-timeFrame', '10s']
      : ['-r', SAMPLE, '--local-net', '10.99.0.0/24', '-timeFrame', '200ms'];
    const r = runCli([...reportArgs, '--report', report, '-verbose', '0', '--sensor-name', 'sensor-1']);
    if (r.code !== 0) throw new Error(r.stderr);
    const ctx = await browser.newContext({ offline: true, viewport: { width: 1280, height: 860 } });
    const rp = await ctx.newPage();
    await rp.goto(pathToFileURL(report).href);
    const udp = rp.locator('#inbox-body tr[data-scanner="10.129.0.4"]');
    await rp.locator('#inbox-body tr').first().waitFor();
    await ((await udp.count()) ? udp : rp.locator('#inbox-body tr').first()).click();
    await rp.locator('#detail table.history').waitFor();
    await rp.screenshot({ path: join(REPO, 'docs/web-report.png'), fullPage: true });
    await ctx.close();
    process.stdout.write('wrote docs/web-live.png and docs/web-report.png\n');
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
