import { parseListen, formatListen } from '../../capture/flows/listen-address.js';
import { defineSink, type ModuleContext } from '../../module.js';
import { num, str } from '../../config/params.js';
import { SensorError } from '../../errors.js';
import type { HealthSpec } from './health.js';
import { buildPage } from './page.js';
import { isLoopback, WebServer } from './server.js';
import { WebSink } from './sink.js';
import { WebState } from './state.js';
import { counterList, type CounterTable } from '../../stats/counters.js';

const DEFAULT_PORT = 8080;
const TOKEN_ENV = 'PENG_WEB_TOKEN';

/** Counters by key: `counterList` for the descriptor, `stats.bind` for the readers (stats/counters.ts). */
export const WEB_COUNTERS = {
  records: { name: 'web.records', kind: 'sum', help: 'Records (frames, scan events, stats, others) taken by the web view.' },
  frames: { name: 'web.frames', kind: 'now', help: 'Frames kept for the chart.' },
  scans: { name: 'web.scans', kind: 'now', help: 'Scans kept for the inbox.' },
  framesDropped: { name: 'web.frames_dropped', kind: 'sum', help: 'Oldest frames dropped beyond --web-max-frames.' },
  scansDropped: { name: 'web.scans_dropped', kind: 'sum', help: 'Scans dropped beyond --web-max-scans.' },
  historyDropped: { name: 'web.history_dropped', kind: 'sum', help: 'Scan events dropped from a scan\'s history beyond --web-max-history.' },
  otherDropped: { name: 'web.other_dropped', kind: 'sum', help: 'Records of other kinds dropped beyond --web-max-other.' },
  clients: { name: 'web.clients', kind: 'now', help: 'Pages connected to the event stream.' },
  clientsDropped: { name: 'web.clients_dropped', kind: 'sum', help: 'Pages disconnected because they stopped reading (over 1 MiB waiting).' },
  requests: { name: 'web.requests', kind: 'sum', help: 'HTTP requests served.' },
  refused: { name: 'web.refused', kind: 'sum', help: 'Requests refused for a missing or wrong token.' },
  reports: { name: 'web.reports', kind: 'sum', help: 'HTML reports written (--report).' },
} as const satisfies CounterTable;

/**
 * --web HOST:PORT (live view) and --report FILE.html (self-contained report
 * at the end of the input). docs/web.md describes the page; NOTES.md next to
 * this file why uPlot and how the state is bounded.
 */
export const webSinkModule = defineSink({
  name: 'web',
  help: 'Live web view (--web) and self-contained HTML report (--report): entropy chart, scans by scanner, scan detail, sensor health. docs/web.md.',
  params: [
    {
      name: 'web',
      type: 'string',
      bareValue: `127.0.0.1:${DEFAULT_PORT}`,
      help: `Serve the live view on HOST:PORT (bare --web: 127.0.0.1:${DEFAULT_PORT}; port 0 picks a free one). Read-only. Any address but loopback needs --web-token or ${TOKEN_ENV}. After a replay (-r) the page keeps the final state until Ctrl-C.`,
    },
    {
      name: 'web-token',
      type: 'string',
      help: `Token the page must be opened with (http://HOST:PORT/?token=TOKEN); required to bind any address but loopback. A token on the command line is visible in ps: prefer the ${TOKEN_ENV} environment variable (used when this is absent).`,
    },
    { name: 'report', type: 'string', help: 'At the end of the input (replay end, or Ctrl-C live), write one self-contained HTML file with the chart and tables; it opens from disk with no network.' },
    { name: 'web-max-frames', type: 'int', default: 10_000, min: 10, max: 1_000_000, unit: 'frames', help: 'Frames the view and report keep (the oldest leave first, counted in web.frames_dropped); 10,000 one-minute frames are about a week.' },
    { name: 'web-max-scans', type: 'int', default: 2000, min: 10, max: 1_000_000, unit: 'scans', help: 'Scans the view and report keep; when full, the ended scan seen longest ago leaves (web.scans_dropped).' },
    { name: 'web-max-history', type: 'int', default: 50, min: 2, max: 10_000, unit: 'events', help: "Events kept per scan for its history (the start and the latest ones).", advanced: true },
    { name: 'web-max-other', type: 'int', default: 1000, min: 10, max: 1_000_000, unit: 'records', help: 'Records of other kinds (e.g. new detectors\' events) kept for the "Other events" table.', advanced: true },
    { name: 'web-push', type: 'duration', default: 0.5, min: 0.05, max: 60, unit: 's', help: 'How often open pages are sent what changed (one message for all changes in that time).', advanced: true },
  ],
  counters: counterList(WEB_COUNTERS),
  create(ctx: ModuleContext) {
    const p = ctx.params;
    const web = str(p, 'web');
    const report = str(p, 'report');
    if (web === undefined && report === undefined) return null;
    if (report === '') throw new SensorError('CFG_INVALID', '--report: give a file name, e.g. --report scans.html');
    const token = str(p, 'web-token') ?? (process.env[TOKEN_ENV] || undefined);
    const addr = web === undefined ? null : webAddress(web);
    if (addr && !isLoopback(addr.host) && !token) {
      throw new SensorError(
        'CFG_INVALID',
        `--web ${formatListen(addr)}: an address other than loopback needs a token (--web-token TOKEN or ${TOKEN_ENV} in the environment): anyone reaching the port would see the scans`,
      );
    }
    const state = new WebState(
      { maxFrames: num(p, 'web-max-frames'), maxScans: num(p, 'web-max-scans'), maxHistory: num(p, 'web-max-history'), maxOther: num(p, 'web-max-other') },
      { sensor: ctx.sensorName, source: ctx.sourceName, live: p.read === undefined },
      healthSpec(ctx),
    );
    const title = `peng-ts: ${ctx.sourceName}`;
    const server = addr ? new WebServer({ state, page: () => buildPage('live', null, title), token, pushMs: num(p, 'web-push') * 1000, warn: ctx.warn }) : null;
    let listening = false;
    let bound: Promise<unknown> = Promise.resolve();
    if (server && addr) {
      bound = server.listen(addr.host, addr.port).then(
        (a) => {
          listening = true;
          const shown = formatListen({ host: addr.host === '0.0.0.0' || addr.host === '::' ? addr.host : a.address, port: a.port });
          ctx.warn(`web view at http://${shown}/${token ? ' (open it with ?token=YOUR_TOKEN)' : ''}`);
        },
        (e: NodeJS.ErrnoException) =>
          ctx.warn(`--web ${formatListen(addr)}: ${e.code === 'EADDRINUSE' ? 'address in use (give another port)' : e.message}; the web view is off, the sensor goes on`),
      );
    }
    // A replay ends by itself: the page then keeps the final state until Ctrl-C.
    // A signal that came during the run means "stop", so the view closes with the rest.
    let signalled = false;
    let wake: (() => void) | null = null;
    const onSignal = () => {
      signalled = true;
      wake?.();
    };
    const replay = p.read !== undefined && server !== null;
    if (replay) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    const hold = replay
      ? async () => {
          await bound; // a short replay can end before the server has its port
          if (!signalled && listening) {
            ctx.warn(`input ended; the web view keeps the final state until Ctrl-C`);
            await new Promise<void>((resolve) => (wake = resolve));
          }
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      : null;
    const sink = new WebSink({ state, server, reportPath: report ?? null, title, hold, warn: ctx.warn });
    ctx.stats.bind(WEB_COUNTERS, {
      records: () => state.records,
      frames: () => state.frameCount,
      scans: () => state.scanCount,
      framesDropped: () => state.framesDropped,
      scansDropped: () => state.scansDropped,
      historyDropped: () => state.historyDropped,
      otherDropped: () => state.otherDropped,
      clients: () => server?.clientCount ?? 0,
      clientsDropped: () => server?.clientsDropped ?? 0,
      requests: () => server?.requests ?? 0,
      refused: () => server?.refused ?? 0,
      reports: () => sink.reportsWritten,
    });
    return sink;
  },
});

/** HOST:PORT, with loopback (not every address) when only a port is given. */
export function webAddress(text: string): { host: string; port: number } {
  const t = text.trim();
  const portOnly = /^:?\d+$/.test(t);
  const bare = t === '' || t === 'true' || t === 'default';
  return parseListen(portOnly ? `127.0.0.1:${t.replace(/^:/, '')}` : bare ? `127.0.0.1:${DEFAULT_PORT}` : t, DEFAULT_PORT, '--web');
}

/** The bounded tables whose fill the page shows: entries gauge and the param that caps it. */
function healthSpec(ctx: ModuleContext): HealthSpec {
  const tables: HealthSpec['tables'] = [];
  for (const [label, counter, param] of [
    ['sources', 'scan.sources', 'max-sources'],
    ['contacts', 'scan.contacts', 'max-contacts'],
    ['pending', 'scan.pending', 'max-pending'],
    ['slow sources', 'slow.sources', 'slow-max-sources'],
    ['UDP sources', 'udp.sources', 'udp-max-sources'],
    ['held flows', 'flows.held', 'flow-max-held'],
  ] as const) {
    const max = ctx.params[param];
    if (typeof max === 'number') tables.push({ label, counter, max });
  }
  return { tables };
}
