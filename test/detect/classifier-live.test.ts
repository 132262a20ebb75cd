/**
 * The classifier live: the sensor with --model default on the victim side of
 * the lab while real nmap -sT scans and the benign client fetches pages.
 * Needs root: run under the lab lock
 * (flock /tmp/peng-lab.lock node --import tsx --test test/detect/classifier-live.test.ts).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { BENIGN4, labUnavailable, readScanEvents, SCANNER4, ScanLab, VICTIMS4 } from '../helpers/scan-lab.js';

const unavailable = labUnavailable();

test('live, --model default: nmap -sT is named with the classifier among its detectors, the benign client is not named', { skip: unavailable ?? false, timeout: 120_000 }, async () => {
  const lab = await ScanLab.create();
  try {
    const alerts = join(lab.dir, 'alerts.jsonl');
    const sensor = await lab.startSensor(alerts, ['--model', 'default']);
    const benign = lab.benign({ seconds: 3 });
    const scan = await lab.scanner('nmap', ['-sT', '-n', '-Pn', '-e', lab.scannerIf, '-S', SCANNER4, '-T4', '-p', '1-300', VICTIMS4[0]]);
    assert.equal(scan.code, 0, scan.stderr);
    await benign;
    const r = await sensor.stop();
    assert.equal(r.code, 0, r.stderr);
    const events = readScanEvents(alerts);
    const mine = events.filter((e) => e.scanner === SCANNER4);
    const detectors = new Set(mine.flatMap((e) => ((e.raw.detectors as { name: string }[]) ?? []).map((d) => d.name)));
    assert.ok(detectors.has('classifier'), `detectors of ${SCANNER4}: ${[...detectors].join(', ')}; stderr: ${r.stderr}`);
    assert.ok(events.every((e) => e.scanner !== BENIGN4), 'the benign client is never named');
    assert.match(r.stderr, /classifier\.scanners=1\b/);
  } finally {
    await lab.destroy();
  }
});
