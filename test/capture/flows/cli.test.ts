/**
 * The sensor's CLI with both flow listeners: softflowd exports a SYN scan
 * as NetFlow v9 while a client writes a NULL scan as nProbe JSON; SIGINT
 * ends the run, and the alerts file names both scans.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startCli } from '../../helpers/cli.js';
import { captureFlows, capturePath, haveCaptures, haveSoftflowd, nprobeLine, waitFor } from './helpers.js';

const skip = !haveCaptures() ? 'shared captures not found' : !haveSoftflowd() ? 'softflowd not installed' : false;
const dir = mkdtempSync(join(tmpdir(), 'peng-flows-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('peng-ts --flows-listen and --netflow-listen together: both scans alerted, counters printed', { skip }, async () => {
  const [tcp, udp] = [await freeTcpPort(), await freeUdpPort()];
  const alerts = join(dir, 'alerts.jsonl');
  const cli = startCli(['--flows-listen', `127.0.0.1:${tcp}`, '--netflow-listen', `127.0.0.1:${udp}`, '--alerts', alerts, '--flow-hold', '300ms', '-verbose', '1']);
  try {
    await waitFor('the sensor to listen', () => /watching nProbe JSON flows on tcp 127\.0\.0\.1:\d+ and NetFlow\/IPFIX on udp/.test(cli.output().stderr), 60_000);

    const r = spawnSync('softflowd', ['-r', capturePath('evilfingers_nmap_sS_TCP_SYN_SCAN'), '-n', `127.0.0.1:${udp}`, '-v', '9', '-d', '-a'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);

    const lines = (await captureFlows(capturePath('evilfingers_nmap_sN_NULL_SCAN'))).map((f) => nprobeLine(f, 'labels'));
    const s = connect(tcp, '127.0.0.1');
    await once(s, 'connect');
    s.end(lines.join('\n') + '\n');
    await once(s, 'close');
    // Both scans named (the views left the --flow-hold and reached the detectors).
    await waitFor('start events of both scans', () => {
      const lines = existsSync(alerts) ? readFileSync(alerts, 'utf8').split('\n').filter((l) => l.endsWith('}')) : [];
      const started = lines.map((l) => JSON.parse(l) as { event: string; technique: string | string[] }).filter((e) => e.event === 'start').flatMap((e) => [e.technique].flat());
      return started.includes('syn') && started.includes('null');
    }, 20_000);
  } finally {
    cli.child.kill('SIGINT');
  }
  const out = await cli.done;
  assert.equal(out.code, 0, out.stderr);
  const events = readFileSync(alerts, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; scanner: string; technique: string | string[] });
  const ends = events.filter((e) => e.event === 'end');
  assert.deepEqual(
    ends.map((e) => [e.scanner, [e.technique].flat().sort().join(',')]).sort(),
    [
      ['192.168.1.10', 'null'],
      ['192.168.1.10', 'syn'],
    ],
    'both scans (192.168.1.10 in both captures, nine hours apart in flow time: two scans)',
  );
  assert.match(out.stderr, /netflow\.records/);
  assert.match(out.stderr, /nprobe\.flows/);
});
