/**
 * A two-namespace lab for tests and benches that drive real scanners.
 *
 *   scanner namespace                      victim namespace
 *   10.77.0.1  fd77::1  (the scanner)      10.77.0.100 .. 10.77.0.123, fd77::100
 *   10.77.0.5  fd77::5  (a benign client)  http.server :8080, nc :22 :443, UDP echo :53
 *          <scannerIf> ======== veth ======== <victimIf>
 *
 * Traffic only ever flows between these two namespaces: the scanners are
 * pointed at the victim's addresses and given the victim veth's MAC as their
 * router (masscan --router-mac, zmap -G), so nothing leaves the pair.
 * destroy() kills every process in both namespaces and deletes them; names,
 * the root check, the exit backstop and the orphan sweep are the library's
 * core (namespaces.ts), shared with the plain pair of netns.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, SENSOR } from './cli.js';
import { holdNamespaces, must, PYTHON, removeNamespacesSync, run, type ExecResult } from './namespaces.js';
export { isRoot, labUnavailable, which, type ExecResult } from './namespaces.js';
import { NamespaceProcs, type ExecOptions, type SpawnInOptions } from './ns-procs.js';
export type { ExecOptions, SpawnInOptions } from './ns-procs.js';
import { startRecorder, type Recording } from './recorder.js';
export type { Recording } from './recorder.js';
import { waitFor } from './wait.js';
import { scanEventFromJson } from '../../src/sink/scan-projection.js';
import type { ScanEvent } from '../../src/sink/schema.js';

export const SCANNER4 = '10.77.0.1';
export const BENIGN4 = '10.77.0.5';
export const SCANNER6 = 'fd77::1';
export const BENIGN6 = 'fd77::5';
export const VICTIMS4: readonly string[] = Array.from({ length: 24 }, (_, i) => `10.77.0.${100 + i}`);
export const VICTIM6 = 'fd77::100';
/** An address in the lab's subnet that nobody has (ARP for it is never answered). */
export const NOBODY4 = '10.77.0.250';
/** What the sensor is told is local, live and in replay. */
export const LOCAL_NETS = '10.77.0.0/24,fd77::/64';
/** Ports open on every victim address. */
export const OPEN_TCP = [22, 443, 8080] as const;

// ---------------------------------------------------------------------------
// Scripts run inside the namespaces

/** Answers every datagram to port 53 with the datagram itself (IPv4 and IPv6). */
const UDP_RESPONDER = `
import socket, select
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("0.0.0.0", 53))
b = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
b.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1); b.bind(("::", 53))
while True:
    for s in select.select([a, b], [], [])[0]:
        d, peer = s.recvfrom(4096)
        s.sendto(d, peer)
`;

/**
 * The benign client: many HTTP connections to a few servers, DNS-like UDP
 * queries (a fresh source port each, as resolvers do) that get replies, and
 * a few connections refused by closed ports. Prints its counts as JSON.
 */
const BENIGN_CLIENT = `
import json, socket, struct, sys, threading, time
cfg = json.loads(sys.argv[1])
src = cfg["src"]
fam = socket.AF_INET6 if ":" in src else socket.AF_INET
end = time.time() + cfg["seconds"]
st = {"http_ok": 0, "http_err": 0, "dns_sent": 0, "dns_replies": 0, "refused": 0, "refused_other": 0}
lock = threading.Lock()
def bump(k):
    with lock: st[k] += 1
def http(offset):
    i = offset
    while time.time() < end:
        host = cfg["http"][i % len(cfg["http"])]; i += 1
        try:
            s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(2); s.bind((src, 0))
            s.connect((host, 8080)); s.sendall(b"GET / HTTP/1.0\\r\\nHost: lab\\r\\n\\r\\n")
            while s.recv(65536): pass
            s.close(); bump("http_ok")
        except OSError:
            bump("http_err")
        time.sleep(cfg["http_gap"])
def dns():
    q = 1
    while time.time() < end:
        s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(1); s.bind((src, 0))
        msg = struct.pack(">HHHHHH", q & 0xffff, 0x0100, 1, 0, 0, 0) + b"\\x03www\\x07example\\x03lab\\x00\\x00\\x01\\x00\\x01"
        q += 1
        s.sendto(msg, (cfg["dns"], 53)); bump("dns_sent")
        try:
            s.recvfrom(4096); bump("dns_replies")
        except OSError:
            pass
        s.close(); time.sleep(cfg["dns_gap"])
for host, port in cfg["refused"]:
    try:
        s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(2); s.bind((src, 0)); s.connect((host, port))
        s.close(); bump("refused_other")
    except ConnectionRefusedError:
        bump("refused")
    except OSError:
        bump("refused_other")
    time.sleep(0.05)
threads = [threading.Thread(target=http, args=(k,)) for k in range(2)] + [threading.Thread(target=dns)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(st))
`;

export interface BenignOptions {
  /** How long to generate traffic, seconds. */
  seconds: number;
  /** IPv6 client and servers instead of IPv4. */
  ipv6?: boolean;
  /** Also make the refused connections (3 closed ports). Default true. */
  refused?: boolean;
  /** Pause between two HTTP connections of one of the two HTTP threads, seconds. */
  httpGap?: number;
}

export interface BenignStats {
  http_ok: number;
  http_err: number;
  dns_sent: number;
  dns_replies: number;
  refused: number;
  refused_other: number;
}

// ---------------------------------------------------------------------------
// The lab

/**
 * Source ports of the lab's sentinel connections (ScanLab.sentinel): below
 * Linux's ephemeral range (32768-60999), so no benign connection ever has one.
 * At 42424 a benign client's earlier SYN from the same port matched, and the
 * live sensor was stopped before it had read the scan's last probe (issue 13).
 */
export const SENTINEL_PORT = 31000;
/** Its destination: the last victim, which the single-host scenarios leave alone (their target is the first). */
const SENTINEL_HOST = VICTIMS4[VICTIMS4.length - 1]!;

export interface LiveSensor {
  pid: number;
  alertsPath: string;
  /** Its standard output so far (at -verbose 3: a line per SYN, stamped with packet time). */
  stdout(): string;
  /**
   * Wait until the sensor has printed the sentinel's SYN: it has then read
   * every packet before it. Resolves to that SYN's packet time (seconds).
   */
  sawSentinel(port: number, timeoutMs?: number): Promise<number>;
  /** SIGINT, then wait for the exit (SIGKILL and an error after timeoutMs). */
  stop(timeoutMs?: number): Promise<ExecResult & { stopMs: number }>;
}

export class ScanLab {
  readonly scannerNs: string;
  readonly victimNs: string;
  readonly scannerIf: string;
  readonly victimIf: string;
  /** Working directory of this lab (pcaps, alerts, scripts). */
  readonly dir: string;
  scannerMac = '';
  victimMac = '';
  private readonly procs: NamespaceProcs;
  private sentinels = 0;
  private readonly ownDir: boolean;
  private readonly release: () => void;

  private constructor(dir?: string) {
    const { base, release } = holdNamespaces(this);
    this.release = release;
    this.scannerNs = `${base}s`;
    this.victimNs = `${base}v`;
    this.scannerIf = `${base}s`;
    this.victimIf = `${base}v`;
    this.ownDir = dir === undefined;
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'peng-scan-lab-'));
    mkdirSync(this.dir, { recursive: true });
    this.procs = new NamespaceProcs(`scan lab ${base}`, this.dir);
  }

  /** Build the namespaces, addresses and services; throws (after cleaning up) if anything fails. */
  static async create(opts: { dir?: string } = {}): Promise<ScanLab> {
    const lab = new ScanLab(opts.dir);
    try {
      lab.build();
      await lab.startServices();
    } catch (e) {
      // A lab that cannot be removed either: both reasons, the namespaces named.
      await lab.destroy().catch((d: unknown) => {
        throw new Error(`${(e as Error).message}; then ${(d as Error).message}`);
      });
      throw e;
    }
    return lab;
  }

  private build(): void {
    const { scannerNs: S, victimNs: V, scannerIf: si, victimIf: vi } = this;
    must('ip', ['netns', 'add', S]);
    must('ip', ['netns', 'add', V]);
    for (const ns of [S, V]) {
      // No duplicate address detection: IPv6 addresses usable at once.
      run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    }
    // Created inside the namespaces, so they take the namespaces' defaults.
    must('ip', ['link', 'add', si, 'netns', S, 'type', 'veth', 'peer', 'name', vi, 'netns', V]);
    must('ip', ['-n', S, 'addr', 'add', `${SCANNER4}/24`, 'dev', si]);
    must('ip', ['-n', S, 'addr', 'add', `${BENIGN4}/24`, 'dev', si]);
    must('ip', ['-n', S, 'addr', 'add', `${SCANNER6}/64`, 'dev', si, 'nodad']);
    must('ip', ['-n', S, 'addr', 'add', `${BENIGN6}/64`, 'dev', si, 'nodad']);
    for (const a of VICTIMS4) must('ip', ['-n', V, 'addr', 'add', `${a}/24`, 'dev', vi]);
    must('ip', ['-n', V, 'addr', 'add', `${VICTIM6}/64`, 'dev', vi, 'nodad']);
    for (const [ns, dev] of [[S, si], [V, vi]] as const) {
      must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      must('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
    // The victim answers every probe: no ICMP rate limit (nmap -sU would
    // otherwise crawl and the capture depend on the kernel's token bucket).
    run('ip', ['netns', 'exec', V, 'sysctl', '-qw', 'net.ipv4.icmp_ratelimit=0', 'net.ipv6.icmp.ratelimit=0', 'net.ipv4.icmp_msgs_per_sec=100000', 'net.ipv4.icmp_msgs_burst=100000']);
    this.scannerMac = this.macOf(S, si);
    this.victimMac = this.macOf(V, vi);
    writeFileSync(join(this.dir, 'udp-responder.py'), UDP_RESPONDER);
    writeFileSync(join(this.dir, 'benign-client.py'), BENIGN_CLIENT);
    writeFileSync(join(this.dir, 'empty-blocklist.txt'), '');
    mkdirSync(join(this.dir, 'www'), { recursive: true });
    writeFileSync(join(this.dir, 'www', 'index.html'), '<html><body>' + 'peng-ts lab page. '.repeat(60) + '</body></html>\n');
  }

  private macOf(ns: string, dev: string): string {
    const j = JSON.parse(must('ip', ['-n', ns, '-j', 'link', 'show', dev])) as { address: string }[];
    return j[0]!.address;
  }

  private async startServices(): Promise<void> {
    const V = this.victimNs;
    const quiet = { quiet: true };
    this.spawnIn(V, PYTHON, ['-m', 'http.server', '8080', '--bind', '::', '--directory', join(this.dir, 'www')], quiet);
    for (const port of [22, 443]) {
      this.spawnIn(V, 'nc', ['-4', '-lk', String(port)], quiet);
      this.spawnIn(V, 'nc', ['-6', '-lk', String(port)], quiet);
    }
    this.spawnIn(V, PYTHON, [join(this.dir, 'udp-responder.py')], quiet);
    // Listening sockets per protocol and port: IPv4 and IPv6 each for nc and the UDP responder.
    const want: Record<string, number> = { 'tcp 22': 2, 'tcp 443': 2, 'tcp 8080': 1, 'udp 53': 2 };
    let ss = '';
    let missing: string[] = [];
    await waitFor(`victim services (missing ${missing.join(', ')})`, () => {
      ss = run('ip', ['netns', 'exec', V, 'ss', '-Hlntu']).stdout;
      const have: Record<string, number> = {};
      for (const f of ss.split('\n').map((l) => l.trim().split(/\s+/))) {
        if (f.length < 5) continue;
        const key = `${f[0]} ${f[4]!.slice(f[4]!.lastIndexOf(':') + 1)}`;
        have[key] = (have[key] ?? 0) + 1;
      }
      missing = Object.keys(want).filter((k) => (have[k] ?? 0) < want[k]!);
      return missing.length === 0;
    }, 15_000, 100).catch(() => {
      throw new Error(`victim services did not come up: missing ${missing.join(', ')}\n${ss}`);
    });
  }

  /** Start a long-running process in a namespace (killed by destroy()); cwd defaults to the lab's directory. */
  spawnIn(ns: string, cmd: string, args: string[], opts: SpawnInOptions = {}): ChildProcess {
    return this.procs.spawn(ns, cmd, args, opts);
  }

  /** Run a command in a namespace to its end (ns-procs.ts: rejects on failure unless allowFail). */
  exec(ns: string, cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.procs.exec(ns, cmd, args, opts);
  }

  /** Run a scanner in the scanner namespace; resolves whatever its exit (the caller checks `code`). */
  scanner(cmd: string, args: string[], timeoutMs?: number): Promise<ExecResult> {
    return this.exec(this.scannerNs, cmd, args, { timeoutMs, allowFail: true });
  }

  /** Generate benign traffic from the benign client (10.77.0.5 or fd77::5) for `seconds`. */
  async benign(o: BenignOptions): Promise<BenignStats> {
    const v6 = o.ipv6 === true;
    const servers = v6 ? [VICTIM6] : VICTIMS4.slice(0, 3);
    const cfg = {
      src: v6 ? BENIGN6 : BENIGN4,
      seconds: o.seconds,
      http: servers,
      http_gap: o.httpGap ?? 0.05,
      dns: servers[0],
      dns_gap: 0.2,
      refused: o.refused === false ? [] : [[servers[0], 81], [servers[1 % servers.length], 3306], [servers[2 % servers.length], 8081]],
    };
    const r = await this.exec(this.scannerNs, PYTHON, [join(this.dir, 'benign-client.py'), JSON.stringify(cfg)], { timeoutMs: (o.seconds + 20) * 1000 });
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as BenignStats;
  }

  /** tcpdump on the victim veth into `path` (snap length 256); resolves once it listens. */
  record(path: string): Promise<Recording> {
    return startRecorder((cmd, args) => this.spawnIn(this.victimNs, cmd, args), this.victimIf, path);
  }

  /**
   * One benign TCP connection from the benign client (source port
   * SENTINEL_PORT and up; returned) to the last victim's port 22, sent after everything a
   * scenario compares: once the live sensor has printed its SYN, it has read
   * every packet before it (a capture is in order).
   */
  async sentinel(): Promise<number> {
    if (this.sentinels === 0) {
      // Its ports must be ones no benign connection can pick (see SENTINEL_PORT).
      const [low, high] = must('ip', ['netns', 'exec', this.scannerNs, 'sysctl', '-n', 'net.ipv4.ip_local_port_range']).trim().split(/\s+/).map(Number);
      if (!(SENTINEL_PORT + 999 < low! || SENTINEL_PORT > high!)) throw new Error(`sentinel ports ${SENTINEL_PORT}-${SENTINEL_PORT + 999} overlap the ephemeral range ${low}-${high}`);
    }
    // A new source port each time: the last one's socket may still be in TIME_WAIT.
    const port = SENTINEL_PORT + (this.sentinels++ % 1000);
    await this.exec(this.scannerNs, 'nc', ['-z', '-w', '2', '-s', BENIGN4, '-p', String(port), SENTINEL_HOST, '22'], { timeoutMs: 10_000 });
    return port;
  }

  /**
   * The sensor, live, inside the victim namespace on the victim veth, with
   * its scan events to `alertsPath`. Resolves once its capture socket is open.
   */
  async startSensor(alertsPath: string, extra: string[] = []): Promise<LiveSensor> {
    const args = [...SENSOR, '-network', this.victimIf, '--local-net', LOCAL_NETS, '--alerts', alertsPath, '-verbose', '3', ...extra];
    const child = this.spawnIn(this.victimNs, process.execPath, args, { cwd: REPO, env: { TZ: 'UTC' } });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    const t0 = Date.now();
    // Ready when a packet socket is open in the namespace, held by the sensor
    // (native engine) or by its capture child (cap engine).
    await waitFor('the live sensor to open its capture', () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`live sensor exited at start (${child.exitCode}): ${stderr}`);
      const pids = [child.pid, ...run('pgrep', ['-P', String(child.pid)]).stdout.split('\n').filter(Boolean)];
      const sockets = run('ip', ['netns', 'exec', this.victimNs, 'ss', '-H', '-0', '-p']).stdout;
      return pids.some((p) => sockets.includes(`pid=${p},`));
    }, 30_000, 50).catch((e: unknown) => {
      child.kill('SIGKILL');
      throw new Error(`live sensor did not open its capture within 30 s (${(e as Error).message}): ${stderr}`);
    });
    return {
      pid: child.pid!,
      alertsPath,
      stdout: () => stdout,
      sawSentinel: async (port, timeoutMs = 15_000) => {
        const esc = (a: string) => a.replaceAll('.', '\\.');
        const sentinelSyn = new RegExp(`^\\[(\\S+ \\S+) [^\\]]*\\] SYN ${esc(BENIGN4)}:${port} -> ${esc(SENTINEL_HOST)}:22 `, 'm');
        let at = NaN;
        await waitFor('the live sensor to print the sentinel SYN', () => {
          const m = sentinelSyn.exec(stdout);
          if (m) at = Date.parse(`${m[1]!.replace(' ', 'T').slice(0, 23)}Z`) / 1000;
          return m !== null;
        }, timeoutMs);
        return at;
      },
      stop: async (timeoutMs = 10_000) => {
        const s0 = Date.now();
        child.kill('SIGINT');
        let killed = false;
        const t = setTimeout(() => {
          killed = true;
          child.kill('SIGKILL');
        }, timeoutMs);
        const { code, signal } = await closed;
        clearTimeout(t);
        const stopMs = Date.now() - s0;
        if (killed) throw new Error(`live sensor ignored SIGINT for ${timeoutMs} ms; stderr: ${stderr}`);
        return { code, signal, stdout, stderr, ms: Date.now() - t0, stopMs };
      },
    };
  }

  /**
   * Kill every process of the lab, delete both namespaces (and the veth with
   * them), remove the working dir unless kept. Throws, naming the namespaces,
   * if one could not be removed (the exit backstop tries again and says so).
   */
  async destroy(opts: { keepDir?: boolean } = {}): Promise<void> {
    // A moment to exit on SIGTERM (tcpdump writes its file out); destroySync SIGKILLs what is left.
    await this.procs.terminate(2000);
    this.destroySync();
    if (this.ownDir && !opts.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** The exit backstop: everything destroy() does, synchronously. */
  abandonSync(): void {
    if (this.ownDir) rmSync(this.dir, { recursive: true, force: true });
    this.destroySync();
  }

  /** The synchronous part of destroy(): every process killed, both namespaces removed (or an error naming them). */
  destroySync(): void {
    this.procs.killAll();
    removeNamespacesSync([this.victimNs, this.scannerNs]);
    this.release();
  }
}

// ---------------------------------------------------------------------------
// Scan events as the sensor writes them (JSON Lines)

/**
 * One scan event, read back through the sensor's own field table
 * (src/sink/scan-fields.ts: snake_case or camelCase keys in, the event's
 * camelCase out), with the object as written in `raw`.
 */
export type ScanEventRecord = Omit<ScanEvent, 'kind' | 'technique' | 'pattern' | 'tool'> & {
  /** As read: names a newer sensor may add are not in this build's unions. */
  technique: string[];
  pattern: string;
  tool: string;
  raw: Record<string, unknown>;
};

/** The scan events in JSON Lines text; other lines (console output) are ignored. */
export function parseScanEvents(text: string): ScanEventRecord[] {
  const out: ScanEventRecord[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(t) as Record<string, unknown>;
    } catch {
      continue;
    }
    const e = scanEventFromJson(o);
    if (e === null) continue;
    const { kind: _kind, ...fields } = e;
    out.push({ ...fields, raw: o });
  }
  return out;
}

export function readScanEvents(path: string): ScanEventRecord[] {
  return existsSync(path) ? parseScanEvents(readFileSync(path, 'utf8')) : [];
}
