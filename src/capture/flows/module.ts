import type { ModuleContext } from '../../module.js';
import { defineModule, num, str, type ModuleDescriptor, type ParamValues } from '../../config/params.js';
import type { StatsRegistry } from '../../stats/counters.js';
import { counterList, keyedCounters, keyedReader } from '../../stats/keyed-counters.js';
import type { CaptureSource } from '../source.js';
import type { FlowViewOptions, FlowViews } from './flow-views.js';
import type { NetflowDecoder } from './netflow-decoder.js';
import type { TemplateSessions } from './nf-sessions.js';
import { parseListen } from './listen-address.js';
import { NetflowSource } from './netflow-source.js';
import { JsonBad } from './nprobe-json.js';
import { DEFAULT_IDLE_TIMEOUT, NprobeJsonSource } from './nprobe-source.js';

/** PortScanDetector's default (-a 0.0.0.0 -p 2055), and the usual NetFlow collector port. */
export const DEFAULT_FLOW_PORT = 2055;

/** The FlowViews counters, keyed by the FlowViews property that counts each. */
export const FLOW_VIEW_COUNTERS = keyedCounters<FlowViews>()({
  records: { name: 'flows.records', kind: 'sum', help: 'Flow records taken from all flow inputs.' },
  biflows: { name: 'flows.biflows', kind: 'sum', help: 'Records carrying both directions (nProbe OUT_PKTS, IPFIX RFC 5103), split in two.' },
  flagsSplit: { name: 'flows.flags_split', kind: 'sum', help: 'Biflows whose TCP flags were the OR of both sides, split between client and server by the packet counts (add %CLIENT_TCP_FLAGS %SERVER_TCP_FLAGS to nProbe\'s template to avoid it).' },
  flowTimed: { name: 'flows.flow_time', kind: 'sum', help: 'Records stamped with their own flow times.' },
  arrivalTimed: { name: 'flows.arrival_time', kind: 'sum', help: 'Records stamped with their arrival time (no usable time in the record, or --flow-time arrival).' },
  futureTimed: { name: 'flows.time_future', kind: 'sum', help: 'Records starting more than 10 minutes after they arrived (a wrong exporter clock): stamped with their arrival time.' },
  paired: { name: 'flows.paired', kind: 'sum', help: 'Flow directions whose reverse direction arrived in the same batch.' },
  views: { name: 'flows.views', kind: 'sum', help: 'Packets made from flows and handed to the detectors.' },
  repeatedViews: { name: 'flows.views_repeated', kind: 'sum', help: 'Extra packets made for repeated probes (a flow\'s packet count, up to --flow-max-repeat).' },
  lateViews: { name: 'flows.views_late', kind: 'sum', help: 'Packets older than ones already handed on (a flow exported late), stamped with the latest time instead.' },
  quotedProbes: { name: 'flows.icmp_quoted', kind: 'sum', help: 'UDP probes failed by an ICMP unreachable flow in the same batch (one per error packet).' },
  batches: { name: 'flows.batches', kind: 'sum', help: 'Batches of flows sorted and handed on.' },
  held: { name: 'flows.held', kind: 'now', help: 'Flow directions waiting in the open batch.' },
});

/** The NprobeJson counters, keyed by the NprobeJsonSource property that counts each. */
export const NPROBE_COUNTERS = keyedCounters<NprobeJsonSource>()({
  lines: { name: 'nprobe.lines', kind: 'sum', help: 'Non-empty lines read (one JSON flow, or an array of flows, per line).' },
  flows: { name: 'nprobe.flows', kind: 'sum', help: 'Flows read and handed on.' },
  bytes: { name: 'nprobe.bytes', kind: 'sum', help: 'Bytes received from exporters.' },
  badJson: { name: 'nprobe.bad_json', kind: 'sum', help: 'Lines that are not JSON (skipped; the connection stays up).', read: (s: NprobeJsonSource) => s.bad[JsonBad.BAD_JSON] },
  notObject: { name: 'nprobe.not_object', kind: 'sum', help: 'JSON values that are not objects (skipped).', read: (s: NprobeJsonSource) => s.bad[JsonBad.NOT_OBJECT] },
  missingField: { name: 'nprobe.missing_field', kind: 'sum', help: 'Flows without a needed field: addresses, PROTOCOL, ports (TCP/UDP), TCP_FLAGS (TCP).', read: (s: NprobeJsonSource) => s.bad[JsonBad.MISSING_FIELD] },
  badAddress: { name: 'nprobe.bad_address', kind: 'sum', help: 'Flows whose IPv4/IPv6 address does not parse.', read: (s: NprobeJsonSource) => s.bad[JsonBad.BAD_ADDRESS] },
  badValue: { name: 'nprobe.bad_value', kind: 'sum', help: 'Flows with a field out of range or not a number (port > 65535, PROTOCOL > 255, negative counts...).', read: (s: NprobeJsonSource) => s.bad[JsonBad.BAD_VALUE] },
  oversize: { name: 'nprobe.oversize', kind: 'sum', help: 'Lines longer than --flows-max-line, dropped.' },
  truncated: { name: 'nprobe.truncated', kind: 'sum', help: 'Lines cut by a disconnect (no newline, not complete JSON).' },
  connectionsOpen: { name: 'nprobe.connections_open', kind: 'now', help: 'Exporters connected now.' },
  connectionsOpened: { name: 'nprobe.connections_opened', kind: 'sum', help: 'Exporter connections accepted.' },
  connectionsClosed: { name: 'nprobe.connections_closed', kind: 'sum', help: 'Exporter connections closed (by the exporter, an error, or stop).' },
  connectionsRefused: { name: 'nprobe.connections_refused', kind: 'sum', help: 'Connections refused because --flows-max-connections were open.' },
  connectionsIdle: { name: 'nprobe.connections_idle', kind: 'sum', help: 'Connections closed because they sent no complete line for --flows-idle-timeout.' },
  socketErrors: { name: 'nprobe.socket_errors', kind: 'sum', help: 'Connections that ended with a socket error (reset, timeout).' },
});

/** The NetflowDecoder counters (datagrams, damage), keyed by the NetflowDecoder property that counts each. */
export const NETFLOW_COUNTERS = keyedCounters<NetflowDecoder>()({
  datagrams: { name: 'netflow.datagrams', kind: 'sum', help: 'Export datagrams received.' },
  bytes: { name: 'netflow.bytes', kind: 'sum', help: 'Bytes of export datagrams received.' },
  v5: { name: 'netflow.v5', kind: 'sum', help: 'NetFlow v5 datagrams.' },
  v9: { name: 'netflow.v9', kind: 'sum', help: 'NetFlow v9 datagrams.' },
  ipfix: { name: 'netflow.ipfix', kind: 'sum', help: 'IPFIX messages.' },
  badVersion: { name: 'netflow.bad_version', kind: 'sum', help: 'Datagrams of another version (v1, v7, sFlow...): skipped.' },
  malformed: { name: 'netflow.malformed', kind: 'sum', help: 'Damaged input: the sum of netflow.truncated, bad_set, bad_template and bad_record.', read: (d: NetflowDecoder) => d.truncated + d.badSet + d.badTemplate + d.badRecord },
  truncated: { name: 'netflow.truncated', kind: 'sum', help: 'Datagrams shorter than their header or their declared length/count.' },
  badSet: { name: 'netflow.bad_set', kind: 'sum', help: 'v9 flowsets / IPFIX sets with a length that does not fit (rest of the datagram skipped).' },
  badTemplate: { name: 'netflow.bad_template', kind: 'sum', help: 'Template records that cannot describe records (too short, zero-length field, address of a wrong size).' },
  badRecord: { name: 'netflow.bad_record', kind: 'sum', help: 'Data records running past the end of their set (rest of the set skipped).' },
  noTemplate: { name: 'netflow.no_template', kind: 'sum', help: 'Data sets that arrived before their template (skipped; exporters resend templates periodically).' },
  unknownSet: { name: 'netflow.unknown_set', kind: 'sum', help: 'Sets with a reserved id (skipped).' },
});

/** The template store's counters (nf-sessions.ts): templates, domains, memory, exporters. */
export const NETFLOW_STORE_COUNTERS = keyedCounters<TemplateSessions>()({
  templateCount: { name: 'netflow.templates', kind: 'now', help: 'v9/IPFIX templates known now.' },
  templatesReceived: { name: 'netflow.templates_received', kind: 'sum', help: 'Template records received (new and refreshed).' },
  templatesWithdrawn: { name: 'netflow.templates_withdrawn', kind: 'sum', help: 'IPFIX templates withdrawn by their exporter.' },
  templatesRefused: { name: 'netflow.templates_refused', kind: 'sum', help: 'Templates refused: --netflow-max-templates over all exporters, --netflow-exporter-templates for one, or --netflow-memory used up.' },
  templatesRefusedExporter: { name: 'netflow.templates_refused_exporter', kind: 'sum', help: 'Of netflow.templates_refused: the exporter kept --netflow-exporter-templates already.' },
  templatesRefusedMemory: { name: 'netflow.templates_refused_memory', kind: 'sum', help: 'Of netflow.templates_refused: templates and domains took --netflow-memory already.' },
  domainsRefused: { name: 'netflow.domains_refused', kind: 'sum', help: 'Datagrams skipped because their observation domain was refused (--netflow-exporter-domains or --netflow-memory).' },
  bytesKept: { name: 'netflow.memory', kind: 'now', help: 'Bytes templates and observation domains take now (estimated; bounded by --netflow-memory).' },
  fieldsIgnored: { name: 'netflow.fields_ignored', kind: 'sum', help: 'Template fields not read (unknown, enterprise-specific or of no use to the detectors), counted per template received; their bytes are skipped.' },
  exporters: { name: 'netflow.exporters', kind: 'now', help: 'Exporter sessions known now.' },
});

/** The NetflowDecoder counters of records read. */
export const NETFLOW_RECORD_COUNTERS = keyedCounters<NetflowDecoder>()({
  optionsRecords: { name: 'netflow.options_records', kind: 'sum', help: 'Options data records read (systemInitTimeMilliseconds is used, the rest ignored).' },
  records: { name: 'netflow.records', kind: 'sum', help: 'Flow records decoded and handed on.' },
  recordsNoIp: { name: 'netflow.records_no_ip', kind: 'sum', help: 'Data records without a source and destination address (L2 or aggregate templates): skipped.' },
  sequenceLost: { name: 'netflow.sequence_lost', kind: 'sum', help: 'Flows (v5), datagrams (v9) or records (IPFIX) missing from the sequence numbers: export datagrams lost on the way (raise --netflow-recv-buffer).' },
  timeUnknown: { name: 'netflow.time_unknown', kind: 'sum', help: 'IPFIX records with uptime-relative times before the exporter sent systemInitTimeMilliseconds: stamped with arrival time.' },
});

/** How flow records become packet views: shared by every flow input. */
export const flowViewsModule = defineModule({
  name: 'flows',
  help: 'Flow records (nProbe JSON, NetFlow, IPFIX) as packets for the detectors: timing, ordering, warnings.',
  params: [
    {
      name: 'flow-time',
      type: 'choice',
      default: 'flow',
      choices: ['flow', 'arrival'],
      help: "flow: stamp packets with the flow's own start/end when the record has them (arrival otherwise), detectors run on flow time, no wall-clock tick; arrival: stamp with arrival time, with the wall-clock tick (for exporters with wrong clocks).",
    },
    {
      name: 'flow-hold',
      type: 'duration',
      default: 0.2,
      min: 0,
      max: 60,
      unit: 's',
      help: 'Hold flows this long after input pauses (at most max(1s, 10x) in a steady stream) so a probe and its answer sent apart are sorted together. 0: per input chunk.',
    },
    {
      name: 'flow-max-held',
      type: 'int',
      default: 65536,
      min: 16,
      max: 10_000_000,
      unit: 'flows',
      help: 'Flow directions held for sorting before they are handed on early (about 200 bytes each).',
      advanced: true,
    },
    {
      name: 'flow-max-repeat',
      type: 'int',
      default: 8,
      min: 1,
      max: 1000,
      unit: 'packets',
      help: "Most packets made from one flow's packet count for repeated probes (SYN, NULL/FIN/Xmas, UDP retries).",
      advanced: true,
    },
    {
      name: 'flows-warn-interval',
      type: 'duration',
      default: 10,
      min: 0,
      max: 86400,
      unit: 's',
      help: 'Least time between two warnings of one kind about bad flow input (the ones in between are counted and summed up).',
    },
  ],
  counters: counterList(FLOW_VIEW_COUNTERS),
});

/** nProbe's JSON over TCP, what PortScanDetector reads. */
export const nprobeModule = defineModule({
  name: 'nprobe',
  help: 'nProbe JSON flows over TCP (nprobe --tcp HOST:PORT), as PortScanDetector takes them.',
  params: [
    {
      name: 'flows-listen',
      type: 'string',
      bareValue: 'default',
      help: `Listen for nProbe JSON flows on TCP HOST:PORT (also [V6]:PORT, :PORT, PORT; given bare or as "default": 0.0.0.0:${DEFAULT_FLOW_PORT}). Point nprobe --tcp at it.`,
    },
    {
      name: 'flows-address',
      type: 'string',
      help: `PortScanDetector's -a: address to listen on for nProbe JSON flows (port from -p, default ${DEFAULT_FLOW_PORT}).`,
      aliases: ['a'],
    },
    {
      name: 'flows-port',
      type: 'int',
      min: 0,
      max: 65535,
      help: "PortScanDetector's -p: TCP port to listen on for nProbe JSON flows (address from -a, default 0.0.0.0).",
      aliases: ['p'],
    },
    {
      name: 'flows-max-line',
      type: 'int',
      default: 65536,
      min: 256,
      max: 64 * 1024 * 1024,
      unit: 'bytes',
      help: 'Longest JSON line kept; a longer one is dropped as it streams in (never held whole) and counted in nprobe.oversize.',
      advanced: true,
    },
    {
      name: 'flows-max-connections',
      type: 'int',
      default: 64,
      min: 1,
      max: 100_000,
      unit: 'connections',
      help: 'Exporters connected at once; more are refused (nprobe.connections_refused).',
      advanced: true,
    },
    {
      name: 'flows-idle-timeout',
      type: 'duration',
      default: DEFAULT_IDLE_TIMEOUT,
      min: 1,
      max: 86400,
      unit: 's',
      help: 'A connection that sends no complete line for this long is closed (nprobe.connections_idle), so clients trickling bytes cannot hold every slot. nProbe reconnects by itself; keep it above the longest quiet spell of your exporters.',
      advanced: true,
    },
  ],
  counters: counterList(NPROBE_COUNTERS),
});

/** NetFlow v5/v9 and IPFIX over UDP. */
export const netflowModule = defineModule({
  name: 'netflow',
  help: 'NetFlow v5, v9 and IPFIX over UDP from any exporter (routers, softflowd, nProbe, pmacct).',
  params: [
    {
      name: 'netflow-listen',
      type: 'string',
      help: `Listen for NetFlow v5/v9/IPFIX on UDP HOST:PORT (also [V6]:PORT, :PORT, PORT; "default" = 0.0.0.0:${DEFAULT_FLOW_PORT}).`,
    },
    {
      name: 'netflow-recv-buffer',
      type: 'int',
      default: 4096,
      min: 64,
      max: 1024 * 1024,
      unit: 'KiB',
      help: 'UDP receive buffer asked of the kernel; exporters send in bursts (capped by net.core.rmem_max, warned about).',
      advanced: true,
    },
    {
      name: 'netflow-max-templates',
      type: 'int',
      default: 10000,
      min: 1,
      max: 10_000_000,
      unit: 'templates',
      help: 'v9/IPFIX templates kept over all exporters; new ones beyond are refused (netflow.templates_refused).',
      advanced: true,
    },
    {
      name: 'netflow-max-exporters',
      type: 'int',
      default: 1024,
      min: 1,
      max: 1_000_000,
      unit: 'exporters',
      help: 'Exporter sessions (address:port and version) kept with their templates; the oldest is forgotten beyond this.',
      advanced: true,
    },
    {
      name: 'netflow-exporter-templates',
      type: 'int',
      default: 512,
      min: 1,
      max: 65536,
      unit: 'templates',
      help: 'v9/IPFIX templates one exporter session may keep; its new ones beyond are refused (netflow.templates_refused_exporter), so one exporter cannot lock the others out.',
      advanced: true,
    },
    {
      name: 'netflow-exporter-domains',
      type: 'int',
      default: 64,
      min: 1,
      max: 1_000_000,
      unit: 'domains',
      help: 'Observation domains (v9 source ids, IPFIX domain ids) one exporter session may use; datagrams for more are skipped (netflow.domains_refused).',
      advanced: true,
    },
    {
      name: 'netflow-memory',
      type: 'int',
      default: 64,
      min: 1,
      max: 65536,
      unit: 'MiB',
      help: 'Memory all templates and observation domains may take together (estimated from their field counts, netflow.memory); new ones beyond are refused (netflow.templates_refused_memory, netflow.domains_refused).',
      advanced: true,
    },
  ],
  counters: [...counterList(NETFLOW_COUNTERS), ...counterList(NETFLOW_STORE_COUNTERS), ...counterList(NETFLOW_RECORD_COUNTERS)],
});

/** Every flow-input descriptor, for the CLI, --help-config and --help-counts. */
export const FLOW_SOURCE_MODULES: readonly ModuleDescriptor[] = [flowViewsModule, nprobeModule, netflowModule];

function viewOptions(p: ParamValues): FlowViewOptions {
  return {
    time: str(p, 'flow-time') === 'arrival' ? 'arrival' : 'flow',
    holdMs: num(p, 'flow-hold') * 1000,
    maxHeld: num(p, 'flow-max-held'),
    maxRepeat: num(p, 'flow-max-repeat'),
  };
}

/**
 * The flow inputs the params ask for (none, one or both), with their counters
 * registered. --flows-listen wins over PortScanDetector's -a/-p.
 */
export function createFlowSources(params: ParamValues, ctx: Pick<ModuleContext, 'stats' | 'warn'>): CaptureSource[] {
  const out: CaptureSource[] = [];
  const views = viewOptions(params);
  const warnInterval = num(params, 'flows-warn-interval');
  const listen = str(params, 'flows-listen');
  const address = str(params, 'flows-address');
  const port = params['flows-port'];
  let nprobe: NprobeJsonSource | null = null;
  if (listen !== undefined || address !== undefined || port !== undefined) {
    const where =
      listen !== undefined
        ? parseListen(listen, DEFAULT_FLOW_PORT, '--flows-listen')
        : { host: address?.trim() || '0.0.0.0', port: typeof port === 'number' ? port : DEFAULT_FLOW_PORT };
    nprobe = new NprobeJsonSource({
      listen: where,
      maxLine: num(params, 'flows-max-line'),
      maxConnections: num(params, 'flows-max-connections'),
      idleTimeout: num(params, 'flows-idle-timeout'),
      warnInterval,
      views,
      warn: ctx.warn,
    });
    out.push(nprobe);
  }
  const nf = str(params, 'netflow-listen');
  let netflow: NetflowSource | null = null;
  if (nf !== undefined) {
    netflow = new NetflowSource({
      listen: parseListen(nf, DEFAULT_FLOW_PORT, '--netflow-listen'),
      recvBuffer: num(params, 'netflow-recv-buffer') * 1024,
      maxTemplates: num(params, 'netflow-max-templates'),
      maxExporters: num(params, 'netflow-max-exporters'),
      maxTemplatesPerExporter: num(params, 'netflow-exporter-templates'),
      maxDomainsPerExporter: num(params, 'netflow-exporter-domains'),
      maxBytes: num(params, 'netflow-memory') * 1024 * 1024,
      warnInterval,
      views,
      warn: ctx.warn,
    });
    out.push(netflow);
  }
  registerCounters(ctx.stats, nprobe, netflow);
  return out;
}

function registerCounters(stats: StatsRegistry, nprobe: NprobeJsonSource | null, netflow: NetflowSource | null): void {
  const views = [nprobe?.views, netflow?.views].filter((v) => v !== undefined);
  if (views.length === 0) return;
  stats.add(flowViewsModule.counters, keyedReader(FLOW_VIEW_COUNTERS, views));
  if (nprobe !== null) stats.add(nprobeModule.counters, keyedReader(NPROBE_COUNTERS, [nprobe]));
  if (netflow !== null) {
    const d = netflow.decoder;
    const parts = [keyedReader(NETFLOW_COUNTERS, [d]), keyedReader(NETFLOW_STORE_COUNTERS, [d.store]), keyedReader(NETFLOW_RECORD_COUNTERS, [d])];
    stats.add(netflowModule.counters, (out) => {
      for (const read of parts) read(out);
    });
  }
}
