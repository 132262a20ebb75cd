import { ipv4ToString, ipv6ToString } from '../decode/address.js';
import type { Session } from './session.js';

/**
 * The dataset's columns: nmap-harvester's, in its order, so its scripts and
 * ours read each other's files. One doc line each (README and docs use them).
 */
export const SESSION_COLUMNS: readonly { name: string; help: string }[] = [
  { name: 'start_request_time', help: 'Packet time of the first packet (the one that opened the session), UTC, `YYYY-MM-DD HH:MM:SS.ffffff`.' },
  { name: 'end_request_time', help: 'Packet time of the last packet in the request direction (src -> dst).' },
  { name: 'start_response_time', help: 'Packet time of the first packet back (dst -> src); empty when nothing came back.' },
  { name: 'end_response_time', help: 'Packet time of the last packet back; empty when nothing came back.' },
  { name: 'duration', help: 'Seconds: end_response_time (or end_request_time without a response) minus start_request_time. Feature 1.' },
  { name: 'src_ip', help: 'Address that sent the first packet (IPv4 dotted, IPv6 RFC 5952). The harvester wrote a list of both addresses here.' },
  { name: 'dst_ip', help: 'The other address.' },
  { name: 'src_port', help: 'TCP port of src_ip.' },
  { name: 'dst_port', help: 'TCP port of dst_ip.' },
  { name: 'SYN', help: 'Packets with SYN set, both directions summed. Feature 2.' },
  { name: 'ACK', help: 'Packets with ACK set, both directions. Feature 3.' },
  { name: 'FIN', help: 'Packets with FIN set, both directions. Feature 4.' },
  { name: 'RST', help: 'Packets with RST set, both directions. Feature 5.' },
  { name: 'URG', help: 'Packets with URG set, both directions. Feature 6.' },
  { name: 'PSH', help: 'Packets with PSH set, both directions. Feature 7.' },
  { name: 'label', help: '1 scan, 0 benign (from --scanner or --label); empty when unlabelled.' },
];

export const SESSION_HEADER: readonly string[] = SESSION_COLUMNS.map((c) => c.name);

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** Seconds since the epoch as `YYYY-MM-DD HH:MM:SS.ffffff` (UTC), the harvester's datetime text. */
export function formatTime(ts: number): string {
  if (ts < 0) return '';
  const us = Math.round(ts * 1e6);
  const sec = Math.floor(us / 1e6);
  const d = new Date(sec * 1000);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(us - sec * 1e6, 6)}`
  );
}

/** Parse formatTime's text back to seconds (UTC); NaN when it is not that format. */
export function parseTime(text: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!m) return NaN;
  const sec = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
  return sec + (m[7] ? Number(m[7].padEnd(6, '0')) / 1e6 : 0);
}

/** Duration with microsecond resolution, as short as it can be written. */
function formatDuration(d: number): string {
  return String(Math.round(d * 1e6) / 1e6);
}

/** One CSV row (values in SESSION_HEADER order); label -1 = empty. */
export function sessionRow(s: Session, label: number): (string | number)[] {
  return [
    formatTime(s.startRequest),
    formatTime(s.endRequest),
    formatTime(s.startResponse),
    formatTime(s.endResponse),
    formatDuration(s.duration),
    s.v6 ? ipv6ToString(s.src6) : ipv4ToString(s.src4),
    s.v6 ? ipv6ToString(s.dst6) : ipv4ToString(s.dst4),
    s.srcPort,
    s.dstPort,
    s.syn,
    s.ack,
    s.fin,
    s.rst,
    s.urg,
    s.psh,
    label < 0 ? '' : label,
  ];
}
