import { bool, list, num, str, type ParamValues } from '../config/params.js';
import { CidrSet } from '../decode/cidr-set.js';
import { SensorError } from '../errors.js';
import { FileSource } from './file-source.js';
import type { LiveSource } from './live.js';
import type { CaptureSource } from './source.js';

/** The packet source asked for (file or interface), or null when only flows are listened to. */
export interface OpenedCapture {
  source: CaptureSource | null;
  localNets: CidrSet;
  /** Become --user: called once the outputs are open too. */
  dropRoot: () => void;
}

const stayRoot = () => {};

function engineOf(choice: string | undefined): 'native' | 'cap' | undefined {
  return choice === 'native' || choice === 'cap' ? choice : undefined;
}

/** The capture source the params ask for, built but not opened; null when neither -r nor -network is given. */
export type BuiltCapture = { kind: 'file'; source: FileSource } | { kind: 'live'; source: LiveSource } | null;

/** Every packet source is built here, from the capture params (capture/params.ts): the sensor's and `peng-ts sessions`'. */
export async function buildCapture(p: ParamValues, warn: (line: string) => void): Promise<BuiltCapture> {
  const read = str(p, 'read');
  const network = str(p, 'network');
  if (read !== undefined && network !== undefined) {
    throw new SensorError('CFG_INVALID', 'give either -network (live) or -r (replay), not both');
  }
  if (read !== undefined) return { kind: 'file', source: new FileSource(read) };
  if (network === undefined) return null;
  // Loaded only for live capture: the addon (or cap) is not needed to replay.
  const { LiveSource } = await import('./live.js');
  const source = new LiveSource({
    device: network,
    filter: str(p, 'filter'),
    snaplen: num(p, 'snaplen'),
    bufferSizeMiB: num(p, 'buffer-size'),
    promiscuous: bool(p, 'promisc'),
    engine: engineOf(str(p, 'capture-engine')),
    user: str(p, 'user'),
    warn,
  });
  return { kind: 'live', source };
}

/**
 * The sensor's capture source, built and opened now: a file that cannot be
 * read, a missing interface or no permission is one line at start, before
 * any output exists. Root is dropped (--user) by `dropRoot` once the outputs
 * are open (tcpdump -Z opens -w first).
 */
export async function openCapture(p: ParamValues, warn: (line: string) => void, flowsAsked: boolean): Promise<OpenedCapture> {
  const explicitLocal = CidrSet.parse(list(p, 'local-net'), '--local-net');
  const built = await buildCapture(p, warn);
  if (built?.kind === 'file') {
    if (explicitLocal.size === 0) {
      warn('no --local-net given: every SYN counts as CLIENT traffic (give the watched network, e.g. --local-net 10.1.0.0/16)');
    }
    await built.source.open();
    return { source: built.source, localNets: explicitLocal, dropRoot: stayRoot };
  }
  if (built?.kind === 'live') {
    const source = built.source;
    source.open();
    await source.ready(); // the cap engine opens in its own process
    const { localAddresses } = await import('./interfaces.js');
    // Peng counts SYNs to the host's own addresses as SERVER traffic.
    const localNets = explicitLocal.size > 0 ? explicitLocal : new CidrSet(localAddresses(str(p, 'network')!));
    return { source, localNets, dropRoot: () => source.dropPrivileges() };
  }
  if (flowsAsked) return { source: null, localNets: explicitLocal, dropRoot: stayRoot };
  throw new SensorError(
    'CFG_INVALID',
    'nothing to watch: give -network IFACE (live capture, as root), -r FILE (replay), or --flows-listen/--netflow-listen (flows); peng-ts -interfaces lists interfaces',
  );
}
