import type { Tuple } from './flow-pairs.js';
import { Role } from './flow-record.js';
import type { DirectionFacts } from './flow-roles.js';
import { KeyedTuple } from './flow-tuple.js';

/**
 * What a batch holds: one Entry per flow direction (copied out of the
 * record, pooled) and one Ev per packet view to make from it (pooled).
 */

/** Order of the views made at one instant: a probe before its answer, its follow-up, then the teardown. */
export const enum Phase {
  OPEN = 0,
  ANSWER = 1,
  FOLLOW = 2,
  CLOSE = 3,
}

/** One direction of one flow: its tuple (reversed for a biflow's answer) and what the record says of it. */
export class Entry extends KeyedTuple implements DirectionFacts, Tuple {
  /** Flow start and end, seconds (packet time of the views). */
  ts0 = 0;
  ts1 = 0;
  /** TCP flags (OR over the direction), 0 for other protocols. */
  flags = 0;
  packets = 1;
  bytes = 0;
  role: Role = Role.UNKNOWN;
  icmpType = -1;
  icmpCode = -1;
  /** Arrival order in the batch (sort tie-break). */
  seq = 0;
  /** Index of the reverse direction in the batch, or -1. */
  partner = -1;
  /** Next unanswered UDP entry between the same two hosts (ICMP quoting), or -1. */
  nextSamePair = -1;
  quoted = false;
}

/** One view to make: a time, a phase, flags, and the entry it comes from. */
export class Ev {
  ts = 0;
  phase = 0;
  seq = 0;
  entry: Entry | null = null;
  flags = 0;
  payload = 0;
  /** The UDP probe an ICMP unreachable quotes, or null. */
  quote: Entry | null = null;
}

export function byTimeThenPhase(a: Ev, b: Ev): number {
  return a.ts - b.ts || a.phase - b.phase || a.seq - b.seq;
}
