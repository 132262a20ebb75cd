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
  private readonly byHost = new Map<number, number>();
  private readonly byPort = new Map<number, number>();
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
    const h = bump(this.byHost, hostKey, this.cap);
    if (h < 0) this.capped++;
    else if (h > this.maxPortsPerHost) {
      this.maxPortsPerHost = h;
      this.topHost = hostKey;
    }
    const p = bump(this.byPort, portKey, this.cap);
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
    return this.byHost.get(hostKey) ?? 0;
  }

  hostsOn(portKey: number): number {
    return this.byPort.get(portKey) ?? 0;
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

function bump(m: Map<number, number>, key: number, cap: number): number {
  const c = m.get(key);
  if (c === undefined) {
    if (m.size >= cap) return -1;
    m.set(key, 1);
    return 1;
  }
  m.set(key, c + 1);
  return c + 1;
}
