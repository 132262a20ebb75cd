import type { LruEntry } from '../track/lru-table.js';

/** Flag counters in nmap-harvester's column order. */
export const FLAG_NAMES = ['SYN', 'ACK', 'FIN', 'RST', 'URG', 'PSH'] as const;

/** The model's features, in nmap-harvester's order (`duration, SYN, ACK, FIN, RST, URG, PSH`). */
export const FEATURE_NAMES: readonly string[] = ['duration', ...FLAG_NAMES];
export const FEATURE_COUNT = 7;

/**
 * One TCP session as nmap-harvester defines it: the packets of one
 * direction-independent 5-tuple (both addresses, both ports) with no gap of
 * `window` seconds. The first packet seen gives the request direction
 * (src -> dst); packets the other way are responses. Flags are summed over
 * both directions. Pooled by the table: every field is reset in `reset()`.
 */
export class Session implements LruEntry {
  key = 0;
  lastSeen = 0;
  lruPrev: LruEntry | null = null;
  lruNext: LruEntry | null = null;

  v6 = false;
  src4 = 0;
  dst4 = 0;
  readonly src6 = new Uint32Array(4);
  readonly dst6 = new Uint32Array(4);
  /** Source key as the scan tracker keys sources (IPv4 uint32, or ipv6Key). */
  srcKey = 0;
  dstKey = 0;
  srcPort = 0;
  dstPort = 0;

  /** Packet times (s); the response times are -1 when nothing came back. */
  startRequest = 0;
  endRequest = 0;
  startResponse = -1;
  endResponse = -1;
  requests = 0;
  responses = 0;

  syn = 0;
  ack = 0;
  fin = 0;
  rst = 0;
  urg = 0;
  psh = 0;

  reset(key: number, now: number): void {
    this.key = key;
    this.lastSeen = now;
    this.startRequest = now;
    this.endRequest = now;
    this.startResponse = -1;
    this.endResponse = -1;
    this.requests = 0;
    this.responses = 0;
    this.syn = 0;
    this.ack = 0;
    this.fin = 0;
    this.rst = 0;
    this.urg = 0;
    this.psh = 0;
  }

  /** nmap-harvester's duration: last response (or, without one, last request) minus first request. */
  get duration(): number {
    return (this.endResponse >= 0 ? this.endResponse : this.endRequest) - this.startRequest;
  }

  /** The seven features into `out` (no allocation): duration, SYN, ACK, FIN, RST, URG, PSH. */
  features(out: Float32Array | Float64Array, offset = 0): void {
    // Microseconds, as the CSV writes it: in-process scores equal scores of the dataset rows.
    out[offset] = Math.round(this.duration * 1e6) / 1e6;
    out[offset + 1] = this.syn;
    out[offset + 2] = this.ack;
    out[offset + 3] = this.fin;
    out[offset + 4] = this.rst;
    out[offset + 5] = this.urg;
    out[offset + 6] = this.psh;
  }
}
