import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileSource } from '../../src/capture/file-source.js';
import { decode } from '../../src/decode/decode.js';
import { ipv4ToString } from '../../src/decode/address.js';
import { Layer } from '../../src/decode/packet-view.js';
import { DecodeStatus } from '../../src/decode/status.js';
import { createNetnsPair, requireRoot } from '../helpers/netns.js';
import { pcapRecords } from '../helpers/recorder.js';
import { waitFor } from '../helpers/wait.js';

test('tcpdump -i any writes Linux cooked v2 (SLL2): SYNs in it decode', async (t) => {
  if (!requireRoot(t)) return;
  const lab = createNetnsPair(t, { scanner4: '10.202.0.1/24', victim4: '10.202.0.2/24', scanner6: null, victim6: null });
  const dir = mkdtempSync(join(tmpdir(), 'peng-sll2-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'any.pcap');
  // Inside the victim's namespace, "any" sees only that namespace's interfaces.
  const dump = lab.spawn(lab.victim, 'tcpdump', ['-i', 'any', '-w', file, '-U', '--immediate-mode', '-Z', 'root', 'tcp port 9'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  dump.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await waitFor('tcpdump to listen', () => /listening on/.test(err), 60_000);
  for (let i = 0; i < 3; i++) await lab.exec(lab.scanner, 'nc', ['-z', '-w', '1', lab.victimIp4, '9'], { allowFail: true });
  // Three refused connections: a SYN and a RST each, all in the file before tcpdump stops.
  await waitFor('six packets in the capture', () => pcapRecords(file).count >= 6, 60_000);
  dump.kill('SIGINT');
  await new Promise((r) => dump.on('close', r));
  assert.match(err, /LINUX_SLL2/, 'tcpdump says which link type it wrote');

  const src = new FileSource(file);
  let syns = 0;
  const linkTypes = new Set<number>();
  await src.run((v) => {
    linkTypes.add(v.linkType);
    assert.equal(decode(v), DecodeStatus.OK);
    if (v.layers & Layer.TCP && v.tcpFlags === 0x02) {
      syns++;
      assert.equal(ipv4ToString(v.dst4), lab.victimIp4);
      assert.equal(v.dport, 9);
    }
  });
  assert.deepEqual([...linkTypes], [276]);
  assert.ok(syns >= 3, `${syns} SYNs`);
});
