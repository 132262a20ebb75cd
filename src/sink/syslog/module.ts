import { hostname } from 'node:os';
import { defineSink, type ModuleContext } from '../../module.js';
import { num, str } from '../../config/params.js';
import { parseSyslogUrl, SyslogSink } from './sink.js';
import { counterList, type CounterTable } from '../../stats/counters.js';

/** Counters by key: `counterList` for the descriptor, `stats.bind` for the readers (stats/counters.ts). */
export const SYSLOG_COUNTERS = {
  sent: { name: 'syslog.sent', kind: 'sum', help: 'Messages handed to the socket (UDP: sent; TCP/Unix: written).' },
  dropped: { name: 'syslog.dropped', kind: 'sum', help: 'Messages lost: pushed out of the full queue while the receiver was down, or still queued at exit.' },
  queued: { name: 'syslog.queued', kind: 'now', help: 'Messages waiting for the receiver (output queue depth).' },
  errors: { name: 'syslog.errors', kind: 'sum', help: 'Send or connection errors (each retry counted).' },
} as const satisfies CounterTable;

/** `--syslog URL`: scan events to a syslog receiver (rsyslog, syslog-ng, a SIEM's collector). */
export const syslogSinkModule = defineSink({
  name: 'syslog',
  help: 'Scan events as RFC 5424 syslog messages (structured data with the --alerts fields).',
  params: [
    {
      name: 'syslog',
      type: 'string',
      help: 'Send one RFC 5424 message per scan event: udp://host[:port], tcp://host[:port] (octet-counted, RFC 6587) or unix:///path (a stream socket, or a datagram socket such as /dev/log through the native addon); port default 514.',
    },
    { name: 'syslog-facility', type: 'int', default: 16, min: 0, max: 23, help: 'Syslog facility code (16 = local0 ... 23 = local7; 4 = auth, 13 = log audit).' },
    { name: 'syslog-queue', type: 'int', default: 10000, min: 1, max: 10_000_000, unit: 'messages', help: 'Messages kept while a TCP or Unix receiver is down; the oldest are dropped past this (syslog.dropped).', advanced: true },
  ],
  counters: counterList(SYSLOG_COUNTERS),
  create(ctx: ModuleContext) {
    const url = str(ctx.params, 'syslog');
    if (url === undefined) return null;
    const sink = new SyslogSink({
      target: parseSyslogUrl(url),
      identity: { hostname: hostname(), appName: 'peng-ts', procId: String(process.pid), facility: num(ctx.params, 'syslog-facility') },
      maxQueue: num(ctx.params, 'syslog-queue'),
      warn: ctx.warn,
    });
    ctx.stats.bind(SYSLOG_COUNTERS, {
      sent: () => sink.sent,
      dropped: () => sink.dropped,
      queued: () => sink.queued,
      errors: () => sink.errors,
    });
    return sink;
  },
});
