/**
 * `--syslog` against a real rsyslog (Debian's rsyslogd) started by the test
 * with its own config: its own UDP and TCP ports on loopback, its own Unix
 * stream socket and datagram socket, its own work directory and output file
 * (no system rsyslog involved). rsyslog's RFC 5424 parser must find our
 * version, app-name, msgid and structured data in every message.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseSyslogUrl } from '../../src/sink/syslog/sink.js';
import { syslogMessage } from '../../src/sink/syslog/rfc5424.js';
import { runCli, SAMPLE } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const addonBuilt = existsSync(join(import.meta.dirname, '../../src/capture/native/build/Release/peng_pcap.node'));
const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => existsSync(p));
const noRsyslog = RSYSLOGD ? false : 'rsyslogd is not installed (apt-get install rsyslog)';
const dir = mkdtempSync(join(tmpdir(), 'peng-syslog-'));
const OUT = join(dir, 'out.jsonl');
let rsyslog: ChildProcess | null = null;
let udpPort = 0;
let tcpPort = 0;

async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}


interface Received {
  pri: string;
  version: string;
  time: string;
  host: string;
  app: string;
  procid: string;
  msgid: string;
  sd: string;
  msg: string;
  input: string;
}
const received = (): Received[] => (existsSync(OUT) ? readFileSync(OUT, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

before(async () => {
  if (!RSYSLOGD) return;
  udpPort = await freeUdpPort();
  tcpPort = await freeTcpPort();
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(
    conf,
    `global(workDirectory="${dir}" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp")
module(load="imptcp")
module(load="imuxsock" SysSock.Use="off")
input(type="imudp" address="127.0.0.1" port="${udpPort}")
input(type="imtcp" address="127.0.0.1" port="${tcpPort}")
input(type="imptcp" path="${dir}/stream.sock" unlink="on")
input(type="imuxsock" Socket="${dir}/dgram.sock" UseSpecialParser="off" ParseHostname="on")
template(name="peng" type="list" option.jsonf="on") {
  property(outname="pri" name="pri" format="jsonf")
  property(outname="version" name="protocol-version" format="jsonf")
  property(outname="time" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="host" name="hostname" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="sd" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
  property(outname="input" name="inputname" format="jsonf")
}
if $app-name == "peng-ts" or $msg contains "peng-test-ready" then action(type="omfile" file="${OUT}" template="peng")
`,
  );
  rsyslog = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitFor('rsyslogd sockets', () => existsSync(join(dir, 'stream.sock')) && existsSync(join(dir, 'dgram.sock')));
  // Ready when a UDP message makes it through to the output file.
  const probe = createSocket('udp4');
  await waitFor(
    'rsyslogd to log a UDP probe',
    () => {
      probe.send('<134>1 - - probe - - - peng-test-ready', udpPort, '127.0.0.1');
      return received().length > 0;
    },
  );
  probe.close();
});

after(() => {
  rsyslog?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('--syslog into a real rsyslog', { skip: noRsyslog }, () => {
  for (const proto of ['udp', 'tcp', 'unix'] as const) {
    test(`${proto}: one RFC 5424 message per scan event, parsed by rsyslog`, async () => {
      const url = proto === 'udp' ? `udp://127.0.0.1:${udpPort}` : proto === 'tcp' ? `tcp://127.0.0.1:${tcpPort}` : `unix://${dir}/stream.sock`;
      const r = runCli(['-r', SAMPLE, '--local-net', '10.99.0.0/16', '--syslog', url, '-verbose', '0', '--sensor-name', `s-${proto}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /syslog\.sent=2\b/);
      const input = proto === 'udp' ? 'imudp' : proto === 'tcp' ? 'imtcp' : 'imptcp';
      await waitFor(`2 messages via ${input}`, () => received().filter((m) => m.input === input && m.app === 'peng-ts').length >= 2);
      const msgs = received().filter((m) => m.input === input && m.app === 'peng-ts');
      assert.equal(msgs.length, 2);
      assert.deepEqual(msgs.map((m) => m.msgid), ['scan-start', 'scan-end']);
      assert.deepEqual(msgs.map((m) => m.pri), ['132', '133'], 'local0.warning for start, local0.notice for end');
      for (const m of msgs) {
        assert.equal(m.version, '1');
        assert.match(m.sd, /^\[scan@32473 event="(start|end)" id="10\.99\.0\.1-\d+" scanner="10\.99\.0\.1" technique="syn" pattern="vertical" tool="nmap" /);
        // Fields the record gained later (decoy group size...) may stand between; empty ones are left out.
        assert.match(m.sd, /sample_ports="[\d,]+" sample_targets="10\.99\.0\.2"( [a-z_]+="[^"]+")* detectors="[^"]*fingerprint:5\/3"\]$/);
        assert.doesNotMatch(m.sd, /=""/);
        assert.match(m.msg, /SCAN (start|end) 10\.99\.0\.1 syn vertical nmap/);
        assert.match(m.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+/);
      }
    });
  }

  test('a datagram socket (as /dev/log): through the native addon, parsed by rsyslog', { skip: addonBuilt ? false : 'native addon not built (the no-addon case is below)' }, async () => {
    const r = runCli(['-r', SAMPLE, '--local-net', '10.99.0.0/16', '--syslog', `unix://${dir}/dgram.sock`, '-verbose', '0']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /--syslog/);
    assert.match(r.stderr, /syslog\.sent=2\b/);
    await waitFor('2 messages via imuxsock', () => received().filter((m) => m.input === 'imuxsock' && m.app === 'peng-ts').length >= 2);
    const msgs = received().filter((m) => m.input === 'imuxsock' && m.app === 'peng-ts');
    assert.deepEqual(msgs.map((m) => m.msgid), ['scan-start', 'scan-end']);
    assert.equal(msgs[0].version, '1');
    assert.match(msgs[0].sd, /^\[scan@32473 event="start" /);
  });

  test('a datagram socket without the native addon: one line saying what to use instead', () => {
    // PENG_TS_NO_NATIVE hides the addon from this process, as on a machine where it was not built.
    const r = runCli(['-r', SAMPLE, '--local-net', '10.99.0.0/16', '--syslog', `unix://${dir}/dgram.sock`, '-verbose', '0'], { env: { PENG_TS_NO_NATIVE: '1' } });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.includes('--syslog'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /datagram socket .*without the native addon .* use udp:\/\/127\.0\.0\.1:514 or a stream socket/);
    assert.match(r.stderr, /syslog\.dropped=2\b/);
  });

  test('a receiver that is down: one warning, messages counted as dropped at exit, exit 0', () => {
    const r = runCli(['-r', SAMPLE, '--local-net', '10.99.0.0/16', '--syslog', `unix://${dir}/nobody.sock`, '-verbose', '0']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.split('\n').filter((l) => l.includes('--syslog')).length, 1, r.stderr);
    assert.match(r.stderr, /syslog\.dropped=2\b/);
  });
});

test('URLs: one clear line for a bad one', () => {
  assert.deepEqual(parseSyslogUrl('udp://10.0.0.1'), { proto: 'udp', host: '10.0.0.1', port: 514 });
  assert.deepEqual(parseSyslogUrl('tcp://[::1]:6514'), { proto: 'tcp', host: '::1', port: 6514 });
  assert.deepEqual(parseSyslogUrl('unix:///dev/log'), { proto: 'unix', path: '/dev/log' });
  for (const bad of ['http://x', 'udp://', 'tcp://h:0', 'unix://relative']) assert.throws(() => parseSyslogUrl(bad), /--syslog .*examples: udp:/);
  const r = runCli(['-r', SAMPLE, '--local-net', '10.99.0.0/16', '--syslog', 'syslog.example:514']);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /^peng-ts: --syslog syslog\.example:514: expected udp:\/\/, tcp:\/\/ or unix:\/\//);
});

test('RFC 5424 escaping and tolerance of record kinds added later', () => {
  const who = { hostname: 'h', appName: 'peng-ts', procId: '1', facility: 16 };
  const m = syslogMessage({ kind: 'distributed', ts: 1, scanners: 12, note: 'a "quoted" ] value', nested: { x: 1 } } as never, who)!;
  assert.match(m, /^<133>1 1970-01-01T00:00:01\.000Z h peng-ts 1 distributed \[distributed@32473 ts="1" scanners="12" note="a \\"quoted\\" \\] value"\] \{/);
  assert.equal(syslogMessage({ kind: 'stats', ts: 1, counters: {} }, who), null);
});
