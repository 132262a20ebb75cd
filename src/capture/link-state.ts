/**
 * What happened to a capture interface that stopped delivering, said the same
 * way by both engines: libpcap's words ("The interface went down", "The
 * interface disappeared"), then what the operator can do about it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SensorError } from '../errors.js';

export const WENT_DOWN = 'The interface went down';
export const DISAPPEARED = 'The interface disappeared';

/** The interface as the kernel sees it now (this network namespace's sysfs). */
export function interfaceState(dev: string): 'gone' | 'down' | 'up' | 'unknown' {
  const dir = `/sys/class/net/${dev}`;
  if (!/^[^/]+$/.test(dev)) return 'unknown';
  if (!existsSync('/sys/class/net')) return 'unknown';
  if (!existsSync(dir)) return 'gone';
  try {
    return (parseInt(readFileSync(`${dir}/flags`, 'utf8'), 16) & 1) === 0 ? 'down' : 'up'; // IFF_UP
  } catch {
    return 'unknown';
  }
}

/** The one line (as a SensorError, exit 1) for a capture that failed mid-run; `note` goes before the hint. */
export function captureFailed(dev: string, what: string, note = ''): SensorError {
  const hint =
    what === WENT_DOWN ? `: bring it up (ip link set ${dev} up) and start peng-ts again`
    : what === DISAPPEARED ? `: start peng-ts again once it is back (ip link lists the interfaces)`
    : '';
  return new SensorError('CAP_OPEN_FAILED', `capture on ${dev} failed: ${what}${note}${hint}`);
}
