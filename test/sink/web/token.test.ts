/**
 * Access to the web view: loopback only unless a token is set; with one,
 * every request needs it (the page opened with ?token= gets a cookie for its
 * event stream); read-only; and the InfluxDB token never reaches the page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { waitFor } from '../../helpers/wait.js';
import { browserMissing, launchBrowser } from '../../helpers/browser.js';
import { runCli, SAMPLE, startCli } from '../../helpers/cli.js';

const skipBrowser = browserMissing();
let browser: Browser | undefined;
before(async () => {
  if (!skipBrowser) browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('--web on an address other than loopback without a token: one line, exit 64, nothing served', () => {
  for (const addr of ['0.0.0.0:0', '[::]:0', '192.0.2.1:8080']) {
    const r = runCli(['-r', SAMPLE, '--local-net', '10.99.0.0/24', '--web', addr, '-verbose', '0'], { env: { PENG_WEB_TOKEN: '' } });
    assert.equal(r.code, 64, r.stderr);
    assert.match(r.stderr, /needs a token \(--web-token TOKEN or PENG_WEB_TOKEN in the environment\)/);
    assert.doesNotMatch(r.stderr, /web view at/);
  }
});

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
  const r = await fetch(url, init);
  return { status: r.status, body: await r.text() };
}

/** The event stream's first message (the snapshot), then the connection is closed. */
async function firstEvent(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const ac = new AbortController();
  const r = await fetch(url, { headers, signal: ac.signal });
  if (r.status !== 200) return { status: r.status, text: await r.text() };
  const reader = r.body!.getReader();
  let text = '';
  while (!text.includes('\n\n')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString();
  }
  ac.abort();
  return { status: 200, text };
}

test('token from the environment on 0.0.0.0: refused without it, served with it; GET only; no Influx token in anything served', { timeout: 120_000 }, async () => {
  const webToken = 'w3b-t0ken-for-the-test';
  const influxToken = 'INFLUX-SECRET-never-on-the-page';
  // An InfluxDB output to a closed loopback port: its token is in the sensor's params.
  const cli = startCli(
    ['-r', SAMPLE, '--local-net', '10.99.0.0/24', '-timeFrame', '1s', '--web', '0.0.0.0:0', '-verbose', '0',
      '-bucket', 'b', '-token', influxToken, '--influx', 'http://127.0.0.1:9', '--influx-flush-timeout', '0'],
    [],
    { PENG_WEB_TOKEN: webToken },
  );
  try {
    await waitFor('the end of the replay', () => /keeps the final state until Ctrl-C/.test(cli.output().stderr), 60_000);
    const port = /web view at http:\/\/0\.0\.0\.0:(\d+)\/ \(open it with \?token=YOUR_TOKEN\)/.exec(cli.output().stderr)![1];
    assert.doesNotMatch(cli.output().stderr, new RegExp(webToken), 'the token is not printed');
    const base = `http://127.0.0.1:${port}`;

    for (const path of ['/', '/events', '/api/state', '/?token=wrong', '/api/state?token=' + webToken.slice(0, -1)]) {
      const r = await get(base + path);
      assert.equal(r.status, 401, path);
      assert.match(r.body, /token required/);
    }
    assert.equal((await get(`${base}/api/state`, { headers: { Cookie: 'peng_web_token=nope' } })).status, 401);

    const page = await fetch(`${base}/?token=${webToken}`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('set-cookie') ?? '', /^peng_web_token=.*; HttpOnly; SameSite=Strict/);
    const html = await page.text();
    const state = await get(`${base}/api/state`, { headers: { Authorization: `Bearer ${webToken}` } });
    assert.equal(state.status, 200);
    assert.match(state.body, /"scanner":"10\.99\.0\.1"/);
    const events = await firstEvent(`${base}/events`, { Cookie: `peng_web_token=${webToken}` });
    assert.match(events.text, /^event: snapshot\ndata: \{/);
    for (const [what, text] of [['page', html], ['state', state.body], ['events', events.text]]) {
      assert.ok(!text.includes(influxToken), `the Influx token is in the ${what}`);
      assert.ok(!text.includes(webToken), `the web token is in the ${what}`);
    }

    // Read-only: nothing but GET and HEAD.
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await get(`${base}/api/state?token=${webToken}`, { method });
      assert.equal(r.status, 405, method);
    }

    if (browser) {
      // A browser opened with ?token= gets the page and its event stream (by the cookie).
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      await p.goto(`${base}/?token=${webToken}`);
      await p.locator('#inbox-body tr[data-scanner="10.99.0.1"][data-status="ended"]').waitFor({ timeout: 30_000 });
      await p.locator('#status', { hasText: 'final state' }).waitFor();
      await ctx.close();
      const denied = await browser.newContext();
      const q = await denied.newPage();
      const resp = await q.goto(`${base}/`);
      assert.equal(resp?.status(), 401);
      await denied.close();
    }
  } finally {
    cli.child.kill('SIGINT');
  }
  const out = await cli.done;
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stderr, /web\.refused=\d+/);
});
