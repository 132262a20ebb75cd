/**
 * The --report file in a real browser, opened from disk with every network
 * request refused: the scans of a shared capture (the same ids as the alerts
 * file), sorting and filtering, and records of kinds the page does not know
 * (other helpers' new events) shown generically without breaking the page.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { SensorRecord } from '../../../src/sink/schema.js';
import { WebSink } from '../../../src/sink/web/sink.js';
import { WebState } from '../../../src/sink/web/state.js';
import { browserMissing, launchBrowser } from '../../helpers/browser.js';
import { waitFor } from '../../helpers/wait.js';
import { runCli, SHARED_CAPTURES, startCli } from '../../helpers/cli.js';
import { frame, scan } from './records.js';

const CAPTURE = join(SHARED_CAPTURES, 'DERIVED_rawip_victorialugi_nmap_sU_cloudvm.pcap');
const skip = browserMissing();
const dir = mkdtempSync(join(tmpdir(), 'peng-report-'));
let browser: Browser;
before(async () => {
  if (!skip) browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Open a file with the network off and every non-file request aborted; collect requests and page errors. */
async function openOffline(path: string): Promise<{ page: Page; requests: string[]; errors: string[]; close: () => Promise<void> }> {
  const ctx = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  ctx.on('request', (r) => requests.push(r.url()));
  await ctx.route(/^(?!file:)/, (r) => r.abort());
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(path).href);
  return { page, requests, errors, close: () => ctx.close() };
}

const rowScanners = (page: Page) => page.locator('#inbox-body tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-scanner')));

test('report of a shared capture: the alerts file\'s scans, sortable, filterable, from disk with no network', { skip: skip || (!existsSync(CAPTURE) && 'shared capture not found'), timeout: 120_000 }, async () => {
  const report = join(dir, 'capture.html');
  const alerts = join(dir, 'alerts.jsonl');
  const r = runCli(['-r', CAPTURE, '-timeFrame', '10s', '--report', report, '--alerts', alerts, '-verbose', '0']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /report written to .*capture\.html \(4 scans, \d+ frames\)/);
  assert.equal(statSync(report).mode & 0o777, 0o644);
  const events = readFileSync(alerts, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const ids = [...new Set(events.map((e) => e.id as string))].sort();
  assert.equal(ids.length, 4);

  const { page, requests, errors, close } = await openOffline(report);
  await page.locator('#inbox-body tr').first().waitFor();
  const shown = await page.locator('#inbox-body tr').evaluateAll((rows) => rows.flatMap((r) => r.getAttribute('data-ids')!.split(' ')).sort());
  assert.deepEqual(shown, ids);
  assert.equal(await page.locator('#inbox-body tr[data-status="ended"]').count(), 4);
  assert.ok(Number(await page.locator('#chart').getAttribute('data-frames')) > 5);
  assert.ok((await page.locator('#chart canvas').count()) >= 1);
  assert.match(await page.locator('#status').innerText(), /report written/);

  // Sort by probes: ascending, then descending on a second click (the UDP scan sent the most).
  await page.locator('#inbox-head th[data-key="probes"]').click();
  assert.notEqual((await rowScanners(page))[0], '10.129.0.4');
  await page.locator('#inbox-head th[data-key="probes"]').click();
  assert.equal((await rowScanners(page))[0], '10.129.0.4');

  // Filter by text (technique, address, port), and by status.
  await page.locator('#filter').fill('udp');
  assert.deepEqual(await rowScanners(page), ['10.129.0.4']);
  await page.locator('#filter').fill('79.124.');
  assert.deepEqual((await rowScanners(page)).sort(), ['79.124.40.146', '79.124.40.150']);
  await page.locator('#filter').fill('');
  await page.locator('#status-filter button[data-status="engaged"]').click();
  assert.equal(await page.locator('#inbox-body tr').count(), 0);
  await page.locator('#status-filter button[data-status="all"]').click();

  // The detail of the UDP scan: its sample ports and the history from the alerts file.
  await page.locator('#inbox-body tr[data-scanner="10.129.0.4"]').click();
  const detail = page.locator('#detail');
  const udp = events.filter((e) => e.scanner === '10.129.0.4');
  assert.match(await detail.innerText(), new RegExp(`Sample ports\\s+${udp.at(-1).sample_ports.slice(0, 3).join(', ')}`));
  assert.equal(await detail.locator('table.history tbody tr').count(), udp.length);
  assert.deepEqual(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')), []);
  assert.equal(errors.length, 0, errors.join("\n"));
  await close();
});

test('records of unknown kinds: an "Other events" row each, thresholds drawn, the rest of the page intact', { skip, timeout: 60_000 }, async () => {
  const state = new WebState({ maxFrames: 100, maxScans: 10, maxHistory: 10, maxOther: 10 }, { sensor: 'test', source: 'made up', live: false }, { tables: [] });
  const warnings: string[] = [];
  const sink = new WebSink({ state, server: null, reportPath: join(dir, 'unknown.html'), title: 'unknown kinds', hold: null, warn: (l) => warnings.push(l) });
  for (let t = 1; t <= 10; t++) sink.write(frame(1000 + t * 60, 0.1, t === 6 ? 1.6 : 0.2));
  sink.write(scan('10.0.0.7-1', 'start', 1300));
  sink.write({ kind: 'distributed', ts: 1310, victim: '10.0.0.9', sources: 40, ports: [22, 23] } as unknown as SensorRecord);
  sink.write({ kind: 'entropy', ts: 1200, direction: 'server', baseline: 0.3, threshold: 1.1 } as unknown as SensorRecord);
  sink.write({ kind: 'scan', ts: 1320, event: 'victim', id: '10.0.0.7-1', scanner: '10.0.0.7', technique: ['syn'], pattern: 'horizontal', tool: 'unknown', toolEvidence: '', targets: 30, ports: 1, probes: 60, failures: 50, probesToDetect: 5, firstSeen: 1300, lastSeen: 1320, detectors: [], samplePorts: [22], sampleTargets: [], victims: ['10.0.0.9'] } as unknown as SensorRecord);
  await sink.close();
  assert.match(warnings.join('\n'), /report written to .*unknown\.html \(1 scans, 10 frames\)/);

  const { page, errors, close } = await openOffline(join(dir, 'unknown.html'));
  await page.locator('#other-body tr[data-kind="distributed"]').waitFor();
  assert.match(await page.locator('#other-body tr[data-kind="distributed"]').innerText(), /victim=10\.0\.0\.9\s+sources=40\s+ports=\[22,23\]/);
  await page.locator('#other-body tr[data-kind="entropy"]').waitFor();
  assert.match(await page.locator('.u-legend').innerText(), /entropy\.server\.threshold/);
  await page.locator('#inbox-body tr[data-scanner="10.0.0.7"]').click();
  assert.match(await page.locator('#detail table.history').innerText(), /victim/);
  assert.match(await page.locator('#detail dl').innerText(), /victims\s+\["10\.0\.0\.9"\]/, 'a field added later is shown as it is');
  assert.equal(errors.length, 0, errors.join("\n"));
  await close();
});

test('a live run (flows listener) with --web and --report: Ctrl-C writes the report and closes the view at once', { timeout: 60_000 }, async () => {
  const report = join(dir, 'live.html');
  const cli = startCli(['--flows-listen', '127.0.0.1:0', '--web', '127.0.0.1:0', '--report', report, '-verbose', '1']);
  try {
    await waitFor('the sensor and its web view', () => /web view at http:\/\/127\.0\.0\.1:\d+\//.test(cli.output().stderr) && /watching/.test(cli.output().stderr), 30_000);
    const url = /web view at (http:\/\/\S+\/)/.exec(cli.output().stderr)![1];
    const state = await (await fetch(`${url}api/state`)).json();
    assert.equal(state.meta.live, true);
    assert.equal(state.meta.ended, false);
  } finally {
    cli.child.kill('SIGINT');
  }
  const out = await cli.done;
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stderr, /report written to .*live\.html \(0 scans, \d+ frames\)/);
  assert.doesNotMatch(out.stderr, /keeps the final state/);
  assert.match(readFileSync(report, 'utf8'), /<script id="peng-data" type="application\/json">\{"meta":\{[^}]*"live":true,"ended":true/);
});
