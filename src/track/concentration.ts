/**
 * How a source's (host, port) pairs concentrate: for each destination host the
 * number of distinct ports, for each port the number of distinct hosts, and
 * the largest of each. A vertical scan drives `maxPortsPerHost` up, a
 * horizontal one `maxHostsPerPort`; a P2P client's random host:port pairs
 * drive neither. The caller adds each distinct pair once.
 *
 * Bounded: at most `cap` hosts and `cap` ports are tracked; pairs on keys
 * beyond that only count when their key is already tracked (`capped` counts
 * the others). Host with the most ports and port with the most hosts are kept.
 */
export class Concentration {
  private readonly byHost = new CountMap();
  private readonly byPort = new CountMap();
  maxPortsPerHost = 0;
  maxHostsPerPort = 0;
  /** Host key with the most ports, port key with the most hosts. */
  topHost = -1;
  topPort = -1;
  /** Pairs added. */
  pairs = 0;
  /** Pairs whose host or port could not be tracked (cap reached). */
  capped = 0;

  constructor(readonly cap = 1024) {}

  add(hostKey: number, portKey: number): void {
    this.pairs++;
    const h = this.byHost.bump(hostKey, this.cap);
    if (h < 0) this.capped++;
    else if (h > this.maxPortsPerHost) {
      this.maxPortsPerHost = h;
      this.topHost = hostKey;
    }
    const p = this.byPort.bump(portKey, this.cap);
    if (p < 0) this.capped++;
    else if (p > this.maxHostsPerPort) {
      this.maxHostsPerPort = p;
      this.topPort = portKey;
    }
  }

  /** The larger of the two concentrations. */
  get max(): number {
    return this.maxPortsPerHost > this.maxHostsPerPort ? this.maxPortsPerHost : this.maxHostsPerPort;
  }

  portsOn(hostKey: number): number {
    return this.byHost.get(hostKey);
  }

  hostsOn(portKey: number): number {
    return this.byPort.get(portKey);
  }

  clear(): void {
    this.byHost.clear();
    this.byPort.clear();
    this.maxPortsPerHost = 0;
    this.maxHostsPerPort = 0;
    this.topHost = -1;
    this.topPort = -1;
    this.pairs = 0;
    this.capped = 0;
  }
}

const INLINE = 8;

/**
 * Key -> count, the first few keys in inline arrays (most sources touch one or
 * two hosts: clearing them is then free), a Map beyond. Map.clear() allocates
 * a new table in V8, which a spoofed-source flood would pay per packet.
 */
class CountMap {
  private readonly keys = new Float64Array(INLINE);
  private readonly counts = new Int32Array(INLINE);
  private n = 0;
  private map: Map<number, number> | null = null;
  private spilled = false;

  get(key: number): number {
    if (this.spilled) return this.map!.get(key) ?? 0;
    for (let i = 0; i < this.n; i++) if (this.keys[i] === key) return this.counts[i];
    return 0;
  }

  /** Count one more for `key`; -1 when the key is new and `cap` keys are already tracked. */
  bump(key: number, cap: number): number {
    if (!this.spilled) {
      for (let i = 0; i < this.n; i++) if (this.keys[i] === key) return ++this.counts[i];
      if (this.n >= cap) return -1;
      if (this.n < INLINE) {
        this.keys[this.n] = key;
        this.counts[this.n++] = 1;
        return 1;
      }
      this.spill();
    }
    const m = this.map!;
    const c = m.get(key);
    if (c === undefined) {
      if (m.size >= cap) return -1;
      m.set(key, 1);
      return 1;
    }
    m.set(key, c + 1);
    return c + 1;
  }

  clear(): void {
    this.n = 0;
    if (this.spilled) {
      this.map!.clear();
      this.spilled = false;
    }
  }

  private spill(): void {
    const m = (this.map ??= new Map<number, number>());
    for (let i = 0; i < this.n; i++) m.set(this.keys[i], this.counts[i]);
    this.n = 0;
    this.spilled = true;
  }
}
