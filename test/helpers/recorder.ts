/**
 * tcpdump as the reference recorder of a test: what it writes is what the
 * sensor's replay is compared with, so it must have written everything the
 * live sensor saw before it is stopped.
 *
 * Two things used to lose the last packets: libpcap's TPACKET_V3 ring hands
 * packets over a block at a time (tcpdump's default buffer timeout is 1 s),
 * and tcpdump on SIGINT does not drain the block it has not been given yet.
 * So tcpdump runs with --immediate-mode (every packet handed over at once),
 * and `stop({ through })` waits until the file holds a packet stamped at or
 * after `through` (the sensor's last packet time) before sending SIGINT.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { waitFor } from './wait.js';

export interface RecorderResult {
  /** tcpdump's closing counts. */
  captured: number;
  droppedByKernel: number;
  stderr: string;
}

export interface Recording {
  path: string;
  /**
   * Stop tcpdump. `through`: a packet time (seconds) the file must reach
   * first (waited for at most `timeoutMs`, then stopped anyway: the caller's
   * comparison then says what is missing). Calling it twice is harmless.
   */
  stop(o?: { through?: number; timeoutMs?: number }): Promise<RecorderResult>;
}

/** Start tcpdump (`spawn` runs it wherever the test needs, e.g. in a namespace) writing `iface` to `path`; resolves once it listens. */
export async function startRecorder(spawn: (cmd: string, args: string[]) => ChildProcess, iface: string, path: string, snaplen = 256): Promise<Recording> {
  const child = spawn('tcpdump', ['-i', iface, '-n', '--immediate-mode', '-U', '-s', String(snaplen), '-Z', 'root', '-w', path]);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await waitFor(`tcpdump on ${iface} to listen`, () => {
    if (child.exitCode !== null) throw new Error(`tcpdump exited: ${stderr}`);
    return /listening on/.test(stderr);
  }, 10_000);
  let stopping: Promise<RecorderResult> | null = null;
  const stop = async (o: { through?: number; timeoutMs?: number } = {}): Promise<RecorderResult> => {
    if (o.through !== undefined && child.exitCode === null) {
      const through = o.through;
      await waitFor(`${path} to reach packet time ${through}`, () => lastPacketTime(path) >= through - 1e-6, o.timeoutMs ?? 5000).catch(() => undefined);
    }
    if (child.exitCode === null) child.kill('SIGINT');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await closed;
    clearTimeout(t);
    const num = (re: RegExp) => Number(re.exec(stderr)?.[1] ?? NaN);
    return { captured: num(/(\d+) packets? captured/), droppedByKernel: num(/(\d+) packets? dropped by kernel/), stderr };
  };
  return { path, stop: (o) => (stopping ??= stop(o)) };
}

/** Packet time (seconds) of the last whole record in a pcap file tcpdump is writing; -Infinity when there is none yet. */
export function lastPacketTime(path: string): number {
  return pcapRecords(path).last;
}

/**
 * Whole records so far in a classic pcap file as tcpdump writes it (host
 * byte order, micro- or nanosecond magic), and the packet time (seconds) of
 * the last one (-Infinity when there is none yet).
 */
export function pcapRecords(path: string): { count: number; last: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { count: 0, last: -Infinity };
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 24) return { count: 0, last: -Infinity };
    const buf = Buffer.alloc(size);
    readSync(fd, buf, 0, size, 0);
    const magic = buf.readUInt32LE(0);
    const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
    const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
    const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    let last = -Infinity;
    let count = 0;
    for (let o = 24; o + 16 <= size; ) {
      const caplen = u32(o + 8);
      if (o + 16 + caplen > size) break;
      last = u32(o) + u32(o + 4) / (nano ? 1e9 : 1e6);
      count++;
      o += 16 + caplen;
    }
    return { count, last };
  } finally {
    closeSync(fd);
  }
}
