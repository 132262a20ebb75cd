/**
 * The namespace lab and a scratch directory for one describe block of
 * scenario tests: made before its tests, destroyed after them. The directory
 * (captures, live alerts) is kept and named when a test failed, or with
 * PENG_KEEP_CAPTURES=1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { ScanLab } from '../helpers/scan-lab.js';

export interface LabFixture {
  readonly lab: ScanLab;
  readonly dir: string;
  /** PENG_KEEP_CAPTURES is set: everything is kept. */
  readonly keepAll: boolean;
  /** A test failed: keep the directory. */
  failed(): void;
}

/** `setup` runs once the lab is up (extra addresses, services the describe block needs). */
export function labFixture(prefix: string, setup?: (lab: ScanLab) => Promise<void>): LabFixture {
  let lab: ScanLab | undefined;
  let dir = '';
  const keepAll = Boolean(process.env.PENG_KEEP_CAPTURES);
  let keep = keepAll;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    lab = await ScanLab.create();
    await setup?.(lab);
  });
  after(async () => {
    await lab?.destroy();
    if (!dir) return;
    if (keep) console.log(`# captures kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  return {
    get lab() {
      return lab!;
    },
    get dir() {
      return dir;
    },
    keepAll,
    failed: () => {
      keep = true;
    },
  };
}
