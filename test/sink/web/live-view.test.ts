/**
 * The live page in a real browser (Debian's chromium through playwright-core)
 * while the sensor replays the bundled nmap capture from standard input, fed
 * by the test in three parts: the chart gains frames as packet time moves,
 * the scan appears engaged, then ended, its detail opens; after the input
 * ends the page keeps serving the final state until SIGINT, and the report
 * written at the end opens from disk with no network and shows the same scans.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { waitFor } from '../../helpers/wait.js';
import { browserMissing, launchBrowser } from '../../helpers/browser.js';
import { SAMPLE, startCli } from '../../helpers/cli.js';
import { recordsBetween, splitPcap } from '../../helpers/pcap-split.js';

const skip = browserMissing();
const dir = mkdtempSync(join(tmpdir(), 'peng-web-'));
let browser: Browser;
before(async () => {
  if (!skip) browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

const frames = (page: Page) => page.locator('#chart').getAttribute('data-frames').then(Number);

test('live view while a capture replays: frames, the scan engaged then ended, its detail; final state kept; report from disk', { skip, timeout: 120_000 }, async () => {
  const pcap = splitPcap(SAMPLE);
  const scanStart = 1795303002.2; // the first SYN of nmap's scan in the sample (tcpdump -r)
  const report = join(dir, 'report.html');
  const alerts = join(dir, 'alerts.jsonl');
  const cli = startCli(['-r', '-', '--local-net', '10.99.0.0/24', '-timeFrame', '200ms', '--web', '127.0.0.1:0', '--report', report, '--alerts', alerts, '-verbose', '0']);
  try {
    cli.child.stdin.write(Buffer.concat([pcap.header, recordsBetween(pcap, 0, scanStart - 0.3)]));
    await waitFor('the web view URL', () => /web view at http:\/\/127\.0\.0\.1:\d+\//.test(cli.output().stderr), 30_000);
    const url = /web view at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(cli.output().stderr)![1];
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);

    // Part 1: quiet traffic before the scan; frames close, no scan yet.
    await page.waitForFunction(() => Number(document.getElementById('chart')!.dataset.frames) >= 3, null, { timeout: 30_000 });
    const before = await frames(page);
    assert.equal(await page.locator('#inbox-body tr').count(), 0);
    await page.locator('#inbox-empty').waitFor({ state: 'visible' });
    await page.locator('#status.live').waitFor();

    // Part 2: the scan starts; it shows engaged, and the chart has gained frames.
    cli.child.stdin.write(recordsBetween(pcap, scanStart - 0.3, scanStart + 0.5));
    const row = page.locator('#inbox-body tr[data-scanner="10.99.0.1"]');
    await page.locator('#inbox-body tr[data-scanner="10.99.0.1"][data-status="engaged"]').waitFor({ timeout: 30_000 });
    await page.waitForFunction((n) => Number(document.getElementById('chart')!.dataset.frames) > n, before, { timeout: 30_000 });
    assert.match(await row.innerText(), /syn\s+vertical\s+nmap/);

    // Its detail: sample ports and hosts, detectors with score and threshold, event history.
    await row.click();
    const detail = page.locator('#detail');
    await detail.waitFor({ state: 'visible' });
    assert.match(await detail.innerText(), /Sample hosts\s+10\.99\.0\.2/);
    await detail.locator('table.detectors td', { hasText: 'fingerprint' }).waitFor();
    await detail.locator('table.history td', { hasText: 'start' }).waitFor();

    // Part 3: the rest, and the end of input: ended, final state, the detail follows.
    cli.child.stdin.end(recordsBetween(pcap, scanStart + 0.5, Infinity));
    await page.locator('#inbox-body tr[data-scanner="10.99.0.1"][data-status="ended"]').waitFor({ timeout: 30_000 });
    await page.locator('#status', { hasText: 'final state' }).waitFor({ timeout: 30_000 });
    await detail.locator('table.history td', { hasText: 'end' }).waitFor();
    await detail.locator('table.detectors td', { hasText: 'trw' }).waitFor();
    assert.match(await detail.innerText(), /1 host, 1,000 ports/);
    await waitFor('the hold message', () => /keeps the final state until Ctrl-C/.test(cli.output().stderr), 30_000);

    // The page still serves the final state after the replay ended: a fresh load shows it whole.
    await page.reload();
    await page.locator('#inbox-body tr[data-scanner="10.99.0.1"][data-status="ended"]').waitFor({ timeout: 30_000 });
    const finalFrames = await frames(page);
    assert.ok(finalFrames > before, `${finalFrames} frames after the replay, ${before} before the scan`);
    const liveIds = await page.locator('#inbox-body tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ids')).sort());
    assert.equal(errors.length, 0, errors.join("\n"));

    // The report: written at the end of input, opened from disk with every network request refused.
    const ctx = await browser.newContext({ offline: true });
    const requests: string[] = [];
    ctx.on('request', (r) => requests.push(r.url()));
    await ctx.route(/^(?!file:)/, (r) => r.abort());
    const rp = await ctx.newPage();
    rp.on('pageerror', (e) => errors.push(e.message));
    await rp.goto(pathToFileURL(report).href);
    await rp.locator('#inbox-body tr[data-scanner="10.99.0.1"][data-status="ended"]').waitFor();
    const reportIds = await rp.locator('#inbox-body tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ids')).sort());
    assert.deepEqual(reportIds, liveIds, 'the report shows the scans the live page showed');
    assert.equal(Number(await rp.locator('#chart').getAttribute('data-frames')), finalFrames);
    assert.ok(await rp.locator('#chart canvas').count() >= 1, 'uPlot drew the chart from the inlined library');
    assert.deepEqual(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')), [], 'no network request');
    assert.equal(errors.length, 0, errors.join("\n"));
    await ctx.close();
  } finally {
    cli.child.stdin.end();
    cli.child.kill('SIGINT');
  }
  const out = await cli.done;
  assert.equal(out.code, 0, out.stderr);
  const ids = new Set(readFileSync(alerts, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id));
  assert.deepEqual([...ids], [readFileSync(report, 'utf8').match(/"id":"(10\.99\.0\.1-\d+)"/)![1]], 'the report carries the scan of the alerts file');
});
