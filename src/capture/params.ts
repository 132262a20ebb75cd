import { defineModule } from '../config/params.js';
import { counterList, type CounterTable } from '../stats/counters.js';

/** Summed over every packet source (sensor.ts). */
export const CAPTURE_COUNTERS = {
  delivered: { name: 'capture.delivered', kind: 'sum', help: 'Packets the capture source delivered.' },
  kernelReceived: { name: 'capture.kernel_received', kind: 'sum', help: 'Packets the kernel filter accepted (pcap_stats ps_recv; live only).' },
  kernelDropped: { name: 'capture.kernel_dropped', kind: 'sum', help: 'Packets dropped because the capture buffer was full (ps_drop; live only): raise --buffer-size.' },
  interfaceDropped: { name: 'capture.interface_dropped', kind: 'sum', help: 'Packets dropped by the interface or driver (ps_ifdrop; live only).' },
  queueDropped: { name: 'capture.queue_dropped', kind: 'sum', help: "Packets the cap engine's capture process dropped because the sensor fell its whole queue (64 MiB) behind (--capture-engine cap only; the kernel's own drops are not counted with cap)." },
} as const satisfies CounterTable;

/**
 * Where packets come from: a live interface or a capture file. Peng's own
 * flags keep Peng's names. The defaults here are the only ones: the live
 * source takes its snap length and buffer from these params.
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
  counters: counterList(CAPTURE_COUNTERS),
});

