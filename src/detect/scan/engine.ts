import type { PacketView } from '../../decode/packet-view.js';
import type { FlowSkip } from '../../track/flow-skip.js';
import type { ScanEvent } from '../../sink/schema.js';
import type { Detector } from '../detector.js';
import { AlertManager, type AlertOptions } from './alert-manager.js';
import { toolMatches, verdictTool } from './fingerprint.js';
import { Kind } from './kinds.js';
import { Det } from './det.js';
import type { ScanPart } from './part.js';
import type { SourceState } from './source-state.js';
import { SourceTracker, type TrackerEvents, type TrackerOptions } from './source-tracker.js';
import { TechniqueHook, type TechniquePart } from './technique-hook.js';

export type EngineOptions = TrackerOptions &
  AlertOptions & {
    /** Unanswered SYN/UDP first contacts that name a fanning-out source at once (fanout-probes; 0: off). */
    fanoutProbes: number;
  };

/** Fan-out: at most one answered SYN/UDP first contact per this many unanswered ones. */
const FANOUT_SILENCE = 20;

/**
 * Scan attribution as one pipeline detector: the shared source tracker, the
 * detector parts plugged into it (trw, stealth, slow, udp modules), the
 * fingerprint check, and the alert manager. Each packet is tracked once; a
 * part that fires marks the source, and the engine turns marks into events.
 * Time is packet time only: housekeeping (expiry, DES intervals, idle scans)
 * runs when packet time crosses a whole second, or on tick().
 */
export class ScanEngine implements Detector, TrackerEvents {
  readonly name = 'scan';
  readonly tracker: SourceTracker;
  readonly alerts: AlertManager;
  private readonly parts: ScanPart[] = [];
  private nextHousekeeping = 0;

  constructor(
    private readonly o: EngineOptions,
    emit: (e: ScanEvent) => void,
  ) {
    this.tracker = new SourceTracker(o, this);
    this.alerts = new AlertManager(o, emit, (s, now) => this.tracker.resetEvidence(s, now));
  }

  addPart(p: ScanPart): void {
    this.parts.push(p);
    this.tracker.addPart(p);
  }

  /** A part judging technique kinds 9..13 (technique-hook.ts): a ScanPart that also gets the packets the tracker hands over. */
  addTechniquePart(p: TechniquePart): TechniqueHook {
    let hook = this.tracker.techniques;
    if (hook === null) hook = this.tracker.techniques = new TechniqueHook(this.tracker, this.o);
    hook.add(p);
    this.addPart(p);
    return hook;
  }

  get partNames(): string[] {
    return this.parts.map((p) => p.name);
  }

  onPacket(v: PacketView): void {
    if (v.ts >= this.nextHousekeeping) this.housekeeping(v.ts);
    this.tracker.onPacket(v);
  }

  /** The tracker's settled connections: the pipeline hands their ACKs to onSettled. */
  get settled(): FlowSkip {
    return this.tracker.done;
  }

  /** A settled connection's ACK: housekeeping and timeouts run on its time, nothing is looked up. */
  onSettled(v: PacketView): void {
    if (v.ts >= this.nextHousekeeping) this.housekeeping(v.ts);
    this.tracker.onSettled(v);
  }

  tick(now: number): void {
    this.tracker.resolveTimeouts(now);
    this.housekeeping(now);
  }

  flush(now: number): void {
    this.tracker.resolveAll(now);
    this.housekeeping(now);
    this.alerts.endAll(now);
  }

  // ---- TrackerEvents ----

  changed(s: SourceState, now: number): void {
    if ((s.fired & (1 << Det.FINGERPRINT)) === 0) this.fingerprint(s);
    if ((s.fired & (1 << Det.FANOUT)) === 0) this.fanout(s);
    if (s.fired !== 0) this.alerts.judged(s, now);
  }

  removed(s: SourceState, now: number): void {
    this.alerts.removed(s, now);
  }

  /**
   * A scanner's own tool named by most of its probes, fanning out to
   * `minConcentration` ports on one host or hosts on one port, is judged at
   * once: zmap and masscan get no answers to wait for.
   */
  private fingerprint(s: SourceState): void {
    if (s.fpChecked + s.fpUdpChecked < this.o.fingerprintMin || s.all.max < this.o.minConcentration) return;
    const tool = verdictTool(s, this.o.fingerprintMin);
    if (tool !== 'unknown') s.fire(Det.FINGERPRINT, toolMatches(s, tool), this.o.fingerprintMin);
  }

  /**
   * Issue 8 item 7: a source whose SYN/UDP first contacts fan out to
   * min-concentration ports on one host or hosts on one port, `fanoutProbes`
   * of them unanswered and nearly none answered (at most 1 in 20), is named
   * at once, without waiting for --probe-timeout (a firewall that drops
   * everything answers nothing). A client retrying one dead service adds no
   * first contact, so it never gets there. UDP counts as for TRW: silence
   * across many hosts is a P2P client's normal (test/detect/udp.test.ts).
   */
  private fanout(s: SourceState): void {
    const n = this.o.fanoutProbes;
    if (n <= 0 || s.all.max < this.o.minConcentration) return;
    let silent = s.kindCount[Kind.SYN] - s.answeredSyn;
    let answered = s.answeredSyn;
    // Silent UDP is what open ports and P2P peers say: it counts on one host's
    // many ports (a port scan), across many hosts only with --udp-timeout-fails.
    if (this.o.udpTimeoutFails || s.all.maxPortsPerHost >= s.all.maxHostsPerPort) {
      silent += s.kindCount[Kind.UDP] - s.answeredUdp;
      answered += s.answeredUdp;
    }
    if (silent >= n && answered * FANOUT_SILENCE <= silent) s.fire(Det.FANOUT, silent, n);
  }

  private housekeeping(now: number): void {
    this.nextHousekeeping = Math.floor(now) + 1;
    this.tracker.expire(now);
    for (let i = 0; i < this.parts.length; i++) this.parts[i].tick?.(now);
    this.alerts.checkIdle(now);
  }
}
