import type { FrameStat, ScanEvent } from '../../../src/sink/schema.js';

/** Records as the sensor emits them, for the web view's tests. */
export function frame(end: number, client = 0, server = 0): FrameStat {
  return { kind: 'frame', start: end - 1, end, client, server, clientSyns: 0, serverSyns: 0, clientBins: [], serverBins: [], clientBitmap: null, serverBitmap: null };
}

export function scan(id: string, event: ScanEvent['event'], ts: number, over: Partial<ScanEvent> = {}): ScanEvent {
  return {
    kind: 'scan', ts, event, id, scanner: id.split('-')[0], technique: ['syn'], pattern: 'vertical', tool: 'nmap', toolEvidence: '',
    targets: 1, ports: 10, probes: 10, failures: 9, probesToDetect: 5, firstSeen: ts, lastSeen: ts,
    detectors: [{ name: 'trw', score: 120, threshold: 99 }], samplePorts: [22, 80], sampleTargets: ['10.0.0.2'], ...over,
  };
}
