import { Kind } from '../scan/kinds.js';
import { Det } from '../scan/det.js';
import type { ScanPart } from '../scan/part.js';
import type { SourceState } from '../scan/source-state.js';

export interface StealthOptions {
  /** Distinct ports on one host, or hosts on one port, of stealth probes that decide. */
  min: number;
}

/**
 * Probes no normal TCP stack sends outside a connection: NULL, FIN and Xmas
 * (FIN+PSH+URG) count when sent; Maimon (FIN+ACK) and bare ACK (nmap -sA/-sW)
 * count only once they failed (RST, ICMP unreachable or no answer), because a
 * connection that began before we looked sends the same flags and gets a real
 * answer. One stray packet never alerts: the source needs `min` distinct
 * ports on one host or hosts on one port.
 */
export class StealthPart implements ScanPart {
  readonly name = 'stealth';
  counted = 0;
  scanners = 0;

  constructor(private readonly o: StealthOptions) {}

  onProbe(s: SourceState, kind: number, dst: number, portKey: number, _newPair: boolean, newKind: boolean): void {
    if (!newKind || (kind !== Kind.NULL && kind !== Kind.FIN && kind !== Kind.XMAS)) return;
    this.add(s, dst, portKey);
  }

  onOutcome(s: SourceState, kind: number, dst: number, portKey: number, success: boolean): void {
    if (success || (kind !== Kind.ACK && kind !== Kind.MAIMON)) return;
    this.add(s, dst, portKey);
  }

  private add(s: SourceState, dst: number, portKey: number): void {
    this.counted++;
    s.stealth.add(dst, portKey);
    const n = s.stealth.max;
    if ((s.fired & (1 << Det.STEALTH)) !== 0) s.score[Det.STEALTH] = n;
    else if (n >= this.o.min) {
      this.scanners++;
      s.fire(Det.STEALTH, n, this.o.min);
    }
  }
}
