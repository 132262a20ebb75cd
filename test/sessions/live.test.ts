/**
 * `peng-ts sessions -network IFACE`: live, on the victim side of the lab,
 * while real nmap scans and the benign client runs. Needs root: run under the
 * lab lock (flock /tmp/peng-lab.lock node --import tsx --test test/sessions/live.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { SESSION_HEADER } from '../../src/sessions/columns.js';
import { REPO, SENSOR } from '../helpers/cli.js';
import { BENIGN4, labUnavailable, SCANNER4, ScanLab, VICTIMS4 } from '../helpers/scan-lab.js';
import { waitFor } from '../helpers/servers.js';

const unavailable = labUnavailable();

test('sessions -network: a live nmap -sS and a benign client become labelled rows; SIGINT writes the open ones', { skip: unavailable ?? false, timeout: 120_000 }, async () => {
  const lab = await ScanLab.create();
  try {
    const child = lab.spawnIn(lab.victimNs, process.execPath, [...SENSOR, 'sessions', '-network', lab.victimIf, '--scanner', SCANNER4], { cwd: REPO, env: { TZ: 'UTC' } });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // The header is written once the capture is open.
    await waitFor('the sessions header', () => stdout.startsWith(SESSION_HEADER.join(',')) || child.exitCode !== null, 30_000);
    assert.equal(child.exitCode, null, stderr);
    const benign = lab.benign({ seconds: 2 });
    const scan = await lab.scanner('nmap', ['-sS', '-n', '-Pn', '-e', lab.scannerIf, '-S', SCANNER4, '-T4', '-p', '1-200', VICTIMS4[0]]);
    assert.equal(scan.code, 0, scan.stderr);
    await benign;
    child.kill('SIGINT');
    assert.equal(await closed, 0, stderr);
    const rows = parse(stdout, { columns: true }) as Record<string, string>[];
    const scanRows = rows.filter((r) => r.src_ip === SCANNER4);
    const benignRows = rows.filter((r) => r.src_ip === BENIGN4 && r.dst_port === '8080');
    assert.ok(scanRows.length >= 200, `${scanRows.length} scan sessions`);
    assert.ok(scanRows.every((r) => r.label === '1' && r.dst_ip === VICTIMS4[0] && Number(r.SYN) >= 1));
    assert.ok(benignRows.length > 5, `${benignRows.length} benign HTTP sessions`);
    assert.ok(benignRows.every((r) => r.label === '0'));
    assert.ok(benignRows.some((r) => Number(r.PSH) > 0 && Number(r.FIN) > 0), 'HTTP sessions carry data and a teardown');
    assert.match(stderr, /sessions\.opened=\d+/);
  } finally {
    await lab.destroy();
  }
});
