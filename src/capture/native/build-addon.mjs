#!/usr/bin/env node
// npm's install script: build the libpcap addon, or say in one line why not and
// succeed anyway, so `npm install` works on a machine without a compiler or
// libpcap headers (replay and flows need neither). node-gyp's own output is kept
// for PENG_TS_BUILD_VERBOSE=1; otherwise only its first real error is quoted.
// Usage: node build-addon.mjs [addon source directory] (default: this folder)
//        node build-addon.mjs DIR NAME HINT  (another addon: its name and what to do without it)
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2] ?? dirname(fileURLToPath(import.meta.url));
const verbose = process.env.PENG_TS_BUILD_VERBOSE === '1';
// npm puts its bundled node-gyp on PATH for install scripts; a checkout has it in devDependencies.
const r = spawnSync('node-gyp', ['rebuild', `--directory=${dir}`], {
  stdio: verbose ? 'inherit' : 'pipe',
  encoding: 'utf8',
  shell: process.platform === 'win32',
});
if (r.status === 0) process.exit(0);

const log = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
const first =
  /fatal error: ([^\n]+)/.exec(log)?.[1] ?? // a missing header: "pcap.h: No such file or directory"
  /^gyp ERR! stack Error: ([^\n]+)/m.exec(log)?.[1] ?? // no make, no python, no compiler
  (r.error ? `${r.error.message}` : `node-gyp exited with ${r.status}`);
const name = process.argv[3] ?? 'native capture addon';
const hint =
  process.argv[4] ??
  'replay (-r) and flows work; for live capture (-network) install libpcap-dev g++ make python3 (Debian/Ubuntu), then run npm rebuild peng-ts';
process.stderr.write(`peng-ts: ${name} not built (${first.trim()}); ${hint}\n`);
process.exit(0);
