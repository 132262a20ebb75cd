/**
 * Installing peng-ts as a user would: the real `npm pack` tarball installed
 * with the real npm into an empty project, on a "machine" where the addon
 * cannot be built (CC=/bin/false) and without the optional `cap` package.
 * Replay must work there; `-network` must say what to install.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DIST_FRESH, REPO } from '../helpers/cli.js';

const npm = spawnSync('npm', ['--version'], { encoding: 'utf8' });
const noNpm = npm.status === 0 ? false : 'npm is not on PATH';
const nodedir = noNpm ? '' : spawnSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' }).stdout.trim();
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const tmp = mkdtempSync(join(tmpdir(), 'peng-install-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * The real tarball, packed once for the tests that read it (a pack is ~10 s).
 * With dist/ already built from the current sources, `prepare` (tsc) is skipped.
 */
let tarball: { path: string; files: string[] } | null = null;
function pack(): { path: string; files: string[] } {
  if (tarball) return tarball;
  const r = spawnSync('npm', ['pack', '--pack-destination', tmp, '--json', ...(DIST_FRESH ? ['--ignore-scripts'] : [])], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')))[0] as { filename: string; files: { path: string }[] };
  tarball = { path: join(tmp, info.filename), files: info.files.map((f) => f.path) };
  return tarball;
}

/** The environment npm gives install scripts: node-gyp on PATH, npm's nodedir. */
function scriptEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(REPO, 'node_modules/.bin')}:${process.env.PATH}`, ...extra };
  if (nodedir && nodedir !== 'undefined') env.npm_config_nodedir = nodedir;
  return env;
}

describe('package.json', () => {
  test('engines covers what the dependencies need (yargs 18: Node ^20.19)', () => {
    for (const dep of Object.keys(pkg.dependencies)) {
      const want = JSON.parse(readFileSync(join(REPO, 'node_modules', dep, 'package.json'), 'utf8')).engines?.node as string | undefined;
      if (want?.includes('20.19')) assert.match(pkg.engines.node, /\^20\.19/, `${dep} needs ${want}`);
    }
    assert.equal(pkg.optionalDependencies.cap !== undefined && pkg.dependencies.cap === undefined, true, 'cap is optional');
    const bench = JSON.parse(readFileSync(join(REPO, 'bench/package.json'), 'utf8'));
    assert.ok(bench.dependencies['pcap-parser'] && !pkg.dependencies['pcap-parser'] && !pkg.devDependencies['pcap-parser'], 'pcap-parser is for the bench only (bench/package.json)');
    assert.ok(pkg.dependencies.yaml, 'yaml reads --config at run time');
  });

  test('npm pack ships sources of the addon but no build objects', { skip: noNpm }, () => {
    const files = pack().files;
    assert.deepEqual(files.filter((f) => f.includes('/build/') || f.endsWith('.o') || f.endsWith('.node')), []);
    for (const f of ['src/capture/native/pcap_binding.c', 'src/capture/native/binding.gyp', 'src/capture/native/build-addon.mjs', 'bin/peng-ts.js', 'deploy/peng-ts.service', 'deploy/peng-ts.yaml', 'deploy/peng-ts.logrotate']) {
      assert.ok(files.includes(f), `${f} is shipped`);
    }
  });
});

describe('addon build without libpcap headers', { skip: noNpm }, () => {
  test('fails softly: exit 0, one line naming the missing header and what to install', () => {
    const dir = join(tmp, 'native');
    spawnSync('mkdir', ['-p', dir]);
    copyFileSync(join(REPO, 'src/capture/native/binding.gyp'), join(dir, 'binding.gyp'));
    const c = readFileSync(join(REPO, 'src/capture/native/pcap_binding.c'), 'utf8');
    assert.match(c, /#include <pcap\/pcap\.h>/);
    // What a machine without libpcap-dev looks like to the compiler.
    writeFileSync(join(dir, 'pcap_binding.c'), c.replace('#include <pcap/pcap.h>', '#include <pcap/not-installed.h>'));
    const r = spawnSync(process.execPath, [join(REPO, 'src/capture/native/build-addon.mjs'), dir], { env: scriptEnv({}), encoding: 'utf8' });
    assert.equal(r.status, 0);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^peng-ts: native capture addon not built \(pcap\/not-installed\.h: No such file or directory\); replay .* install libpcap-dev g\+\+ make python3/);
    assert.equal(existsSync(join(dir, 'build/Release/peng_pcap.node')), false);
  });
});

describe('npm install of the packed tarball, no compiler, no cap', { skip: noNpm }, () => {
  let app = '';
  test('installs, replays, and -network says what to install', () => {
    const tgz = pack().path;
    app = join(tmp, 'app');
    spawnSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'peng-user', version: '1.0.0', private: true, allowScripts: { 'peng-ts': true } }));
    const inst = spawnSync('npm', ['install', '--omit=optional', '--prefer-offline', '--foreground-scripts', '--no-fund', '--no-audit', tgz], {
      cwd: app,
      env: scriptEnv({ CC: '/bin/false', CXX: '/bin/false' }),
      encoding: 'utf8',
    });
    assert.equal(inst.status, 0, inst.stderr);
    assert.match(inst.stderr + inst.stdout, /peng-ts: native capture addon not built \(.*\); replay \(-r\) and flows work/);
    assert.equal(existsSync(join(app, 'node_modules/cap')), false, 'cap left out (optional)');
    const bin = join(app, 'node_modules/.bin/peng-ts');
    const replay = spawnSync(bin, ['-r', join(app, 'node_modules/peng-ts/samples/nmap-syn-scan.pcap'), '--local-net', '192.168.1.0/24', '-verbose', '0'], { encoding: 'utf8' });
    assert.equal(replay.status, 0, replay.stderr);
    assert.match(replay.stderr, /scan\.events_start=1/);
    const live = spawnSync(bin, ['-network', 'lo'], { encoding: 'utf8' });
    assert.equal(live.status, 1);
    assert.equal(live.stderr.trim().split('\n').length, 1, live.stderr);
    assert.match(live.stderr, /^peng-ts: live capture needs the native addon or the cap package: .*install libpcap-dev g\+\+ make python3.*npm rebuild peng-ts/);
  });
});
