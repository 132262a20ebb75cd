/**
 * Child script for udp.test.ts: feeds every scan detector and the entropy
 * detector packet times where a double can no longer hold a 10 s step
 * (~4e18 s, ulp 512 s) and beyond, then prints "done". The test runs it with
 * a deadline: a packet-time loop that spins shows up as a timeout, not as a
 * test run that never ends.
 */
import { CidrSet } from '../../../src/decode/cidr-set.js';
import { pengHash } from '../../../src/detect/entropy/hash.js';
import { EntropyDetector } from '../../../src/detect/entropy/detector.js';
import { ACK, Harness, SYN, tcp, udp, unreachable } from './views.js';

const h = new Harness({ 'des-interval': '10s', 'erase-interval': '30s' });
let frames = 0;
const entropy = new EntropyDetector({
  bins: 16, bitsPerBin: 64, hash: pengHash({ bins: 16, size: 1024 }), timeFrame: 1,
  localNets: new CidrSet([]), withBitmaps: false, closeGrace: 2, emit: () => frames++,
});
const times = [1_700_000_000, 4e18, 4e18 + 512, 4e18 + 4096, 1.7e308, 1.7e308];
for (const t of times) {
  for (let i = 0; i < 20; i++) {
    const views = [
      udp({ ts: t, src: '10.0.2.66', dst: '10.0.2.1', sport: 61000, dport: 1000 + i }),
      unreachable({ ts: t, from: '10.0.2.1', to: '10.0.2.66', probeSrc: '10.0.2.66', probeDst: '10.0.2.1', probeSport: 61000, probeDport: 1000 + i }),
      tcp({ ts: t, src: '10.0.3.9', dst: '10.0.2.1', dport: 2000 + i, flags: SYN }),
      tcp({ ts: t, src: '10.0.2.1', dst: '10.0.3.9', sport: 2000 + i, dport: 33333, flags: ACK | 0x04 }),
    ];
    h.feed(...views);
    for (const v of views) entropy.onPacket(v);
  }
  h.engine.tick(t);
  entropy.tick(t);
}
h.flush();
entropy.flush(h.now);
process.stdout.write(`done ${frames} frames ${h.events.length} events\n`);
