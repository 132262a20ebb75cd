import { defineModule } from './params.js';

/** The hash seed of a replay when --hash-seed is not given: any fixed number does. */
export const REPLAY_HASH_SEED = 1;

/**
 * Sensor-level options that belong to no detector or sink: what to watch,
 * what is local, how chatty to be. Peng's own flags keep Peng's names.
 */
export const captureParams = defineModule({
  name: 'capture',
  help: 'Where packets come from: a live interface (libpcap) or a capture file.',
  params: [
    { name: 'network', peng: true, type: 'string', help: 'Interface to capture on, live (needs root or cap_net_raw). Peng\'s flag.', aliases: ['i', 'interface'] },
    { name: 'interfaces', peng: true, type: 'bool', default: false, help: 'List the capture interfaces with their addresses, then exit.' },
    { name: 'read', type: 'string', help: 'Replay a capture file (pcap or pcapng); - reads standard input (tcpdump -w - | peng-ts -r -).', aliases: ['r'] },
    { name: 'filter', type: 'string', help: 'BPF filter expression for live capture, as tcpdump takes it (e.g. "tcp or udp").', aliases: ['f'] },
    { name: 'snaplen', type: 'int', default: 262144, min: 64, max: 262144, unit: 'bytes', help: 'Bytes kept per packet in live capture; 128 is enough for all detectors.', advanced: true },
    { name: 'buffer-size', type: 'int', default: 32, min: 1, max: 4096, unit: 'MiB', help: 'Kernel capture buffer for live capture; raise it when the stats show kernel drops.', advanced: true },
    { name: 'promisc', type: 'bool', default: true, help: 'Put the interface in promiscuous mode (--no-promisc to see only this host\'s traffic).', advanced: true },
    { name: 'capture-engine', type: 'choice', default: 'auto', choices: ['auto', 'native', 'cap'], help: 'native: our libpcap addon (packet timestamps, kernel drops); cap: the cap package (wall-clock timestamps, no drop counters); auto: native if it was built, else cap with a warning.', advanced: true },
    { name: 'user', type: 'string', help: 'Started as root: switch to this user once the capture is open (as tcpdump -Z).', aliases: ['Z'] },
  ],
  counters: [
    { name: 'capture.delivered', kind: 'sum', help: 'Packets the capture source delivered.' },
    { name: 'capture.kernel_received', kind: 'sum', help: 'Packets the kernel filter accepted (pcap_stats ps_recv; live only).' },
    { name: 'capture.kernel_dropped', kind: 'sum', help: 'Packets dropped because the capture buffer was full (ps_drop; live only): raise --buffer-size.' },
    { name: 'capture.interface_dropped', kind: 'sum', help: 'Packets dropped by the interface or driver (ps_ifdrop; live only).' },
  ],
});

export const sensorParams = defineModule({
  name: 'sensor',
  help: 'What is local, and how much the sensor says.',
  params: [
    {
      name: 'local-net',
      type: 'list',
      default: [],
      help: 'CIDRs of the watched network (comma-separated or repeated). SYNs to them are SERVER traffic. Live default: the interface\'s addresses; replay needs it.',
      aliases: ['local-nets', 'L'],
    },
    { name: 'verbose', peng: true, type: 'int', default: 1, min: 0, max: 3, help: 'Peng\'s levels: 0 quiet, 1 frame totals, 2 + per-bin entropies and periodic stats, 3 + bitmaps and one line per counted SYN.', aliases: ['v'] },
    {
      name: 'hash-seed',
      type: 'int',
      min: 0,
      max: 4294967295,
      help: `Seed of every table and sketch hash. Unset: ${REPLAY_HASH_SEED} for a replay (-r), so the same capture gives the same counts every run; random per run for live capture and flows, so nobody can aim traffic at one table slot.`,
      advanced: true,
    },
    {
      name: 'config',
      type: 'string',
      help: 'Read options from this YAML file: keys are the long option names (timeFrame: 1m, local-net: [10.1.0.0/16], alerts: /var/log/peng-ts/alerts.jsonl); options on the command line override it.',
    },
    { name: 'version', peng: true, type: 'bool', default: false, help: 'Print the version and exit.' },
    { name: 'help-config', type: 'bool', default: false, help: 'Print every option of every module with default, unit and range, then exit.', advanced: true },
    { name: 'help-counts', type: 'bool', default: false, help: 'Print every counter with its meaning, then exit.', advanced: true },
  ],
  counters: [],
});
