import { isIP } from 'node:net';
import { SensorError } from '../../errors.js';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * `HOST:PORT`, `[V6]:PORT`, `:PORT`, `PORT` or `HOST` (default port); empty,
 * `true` or `default` mean 0.0.0.0 on the default port (a bare flag).
 */
export function parseListen(text: string, defaultPort: number, option: string): ListenAddress {
  const t = text.trim();
  if (t === '' || t === 'true' || t === 'default') return { host: '0.0.0.0', port: defaultPort };
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(t);
  if (v6) {
    host = v6[1];
    portText = v6[2];
  } else if (/^\d+$/.test(t)) {
    host = '0.0.0.0';
    portText = t;
  } else if (isIP(t) === 6) {
    host = t;
  } else {
    const i = t.lastIndexOf(':');
    host = i < 0 ? t : t.slice(0, i);
    portText = i < 0 ? undefined : t.slice(i + 1);
    if (host === '') host = '0.0.0.0';
  }
  const port = portText === undefined || portText === '' ? defaultPort : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SensorError('CFG_INVALID', `${option}: "${text}" has no valid port (give HOST:PORT, e.g. 0.0.0.0:${defaultPort})`);
  }
  if (host !== 'localhost' && isIP(host) === 0 && !/^[A-Za-z0-9.-]+$/.test(host)) {
    throw new SensorError('CFG_INVALID', `${option}: "${text}" has no valid host (give HOST:PORT, e.g. 0.0.0.0:${defaultPort})`);
  }
  return { host, port };
}

export function formatListen(a: ListenAddress): string {
  return isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** The one line for a listener that cannot bind (nProbe TCP, NetFlow UDP). */
export function listenError(e: NodeJS.ErrnoException, a: ListenAddress, proto = 'tcp'): SensorError {
  const where = `${proto} ${formatListen(a)}`;
  const why =
    e.code === 'EADDRINUSE'
      ? 'the address is in use (another collector running? pick another port)'
      : e.code === 'EACCES'
        ? 'permission denied (ports below 1024 need root)'
        : e.code === 'EADDRNOTAVAIL'
          ? 'no such local address'
          : e.message;
  return new SensorError('FLOW_LISTEN', `cannot listen for flows on ${where}: ${why}`);
}
