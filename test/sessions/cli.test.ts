import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { SESSION_HEADER } from '../../src/sessions/columns.js';
import { runCli, SHARED_CAPTURES } from '../helpers/cli.js';

const SYN_SCAN = join(SHARED_CAPTURES, 'evilfingers_nmap_sS_TCP_SYN_SCAN.pcap');
const WEB = join(SHARED_CAPTURES, 'benign_kdd99sparkml_normal_web_ipv4.pcap');
const WEB6 = join(SHARED_CAPTURES, 'benign_ndpi_reddit_web_ipv6.pcap');
const haveCaptures = existsSync(SYN_SCAN) && existsSync(WEB) && existsSync(WEB6);
const haveTshark = spawnSync('tshark', ['-v']).status === 0;

function rows(csv: string): Record<string, string>[] {
  return parse(csv, { columns: true }) as Record<string, string>[];
}

/**
 * Sessions counted independently: tshark decodes, this groups by the unordered
 * 5-tuple with a 0.5 s gap rule, as nmap-harvester's README describes.
 */
function tsharkSessions(file: string): number {
  const r = spawnSync('tshark', ['-r', file, '-Y', 'tcp', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ipv6.src', '-e', 'ipv6.dst', '-e', 'tcp.srcport', '-e', 'tcp.dstport'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const last = new Map<string, number>();
  let n = 0;
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const [t, s4, d4, s6, d6, sp, dp] = line.split('\t');
    const a = `${s4 || s6}|${sp}`;
    const b = `${d4 || d6}|${dp}`;
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    const ts = Number(t);
    const prev = last.get(key);
    if (prev === undefined || ts - prev >= 0.5) n++;
    last.set(key, ts);
  }
  return n;
}

test('sessions of a SYN scan: the harvester\'s header, one row per probe, labelled by --scanner', { skip: !haveCaptures && 'shared captures missing' }, () => {
  const r = runCli(['sessions', '-r', SYN_SCAN, '--scanner', '192.168.1.10/32']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\n')[0], SESSION_HEADER.join(','));
  const all = rows(r.stdout);
  assert.equal(all.length, 1002, '1000 ports, 2 probes retried after the window');
  assert.ok(all.every((x) => x.label === '1' && x.src_ip === '192.168.1.10' && x.dst_ip === '192.168.1.25'));
  // A closed port answers RST/ACK: SYN 1, ACK 1, RST 1, as in the harvester's example row.
  const closed = all.filter((x) => x.SYN === '1' && x.ACK === '1' && x.RST === '1').length;
  assert.ok(closed >= 990, `${closed} closed-port sessions`);
  assert.match(r.stderr, /sessions\.opened=1002/);
});

test('session counts agree with tshark\'s decoding grouped the same way (IPv4 web, IPv6 web)', { skip: (!haveCaptures && 'shared captures missing') || (!haveTshark && 'tshark missing') }, () => {
  for (const f of [WEB, WEB6, SYN_SCAN]) {
    const r = runCli(['sessions', '-r', f]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(rows(r.stdout).length, tsharkSessions(f), f);
  }
});

test('-r - reads standard input and gives the same rows; --label 0 labels everything', { skip: !haveCaptures && 'shared captures missing' }, () => {
  const a = runCli(['sessions', '-r', WEB6, '--label', '0']);
  const b = runCli(['sessions', '-r', '-', '--label', '0'], { input: readFileSync(WEB6) });
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(b.stdout, a.stdout);
  const all = rows(a.stdout);
  assert.ok(all.length > 10);
  assert.ok(all.every((x) => x.label === '0' && x.src_ip.includes(':')));
});

test('no label option: the label column is empty; both options: one line and exit 64', { skip: !haveCaptures && 'shared captures missing' }, () => {
  const a = runCli(['sessions', '-r', WEB]);
  assert.ok(rows(a.stdout).every((x) => x.label === ''));
  const b = runCli(['sessions', '-r', WEB, '--label', '1', '--scanner', '10.0.0.0/8']);
  assert.equal(b.code, 64);
  assert.equal(b.stdout, '');
  assert.equal(b.stderr.trim().split('\n').length, 1);
  assert.match(b.stderr, /--scanner or --label/);
  const c = runCli(['sessions']);
  assert.equal(c.code, 64);
  assert.match(c.stderr, /-r FILE/);
});

test('sessions --help documents every column; peng-ts --help names the sub-commands', () => {
  const r = runCli(['sessions', '--help']);
  assert.equal(r.code, 0);
  for (const c of SESSION_HEADER) assert.match(r.stdout, new RegExp(`^  ${c}\\n      \\S`, 'm'), c);
  assert.match(r.stdout, /--scanner/);
  assert.match(runCli(['--help']).stdout, /peng-ts sessions --help/);
  assert.match(runCli(['train', '--help']).stdout, /--rounds <int>/);
});
