import { join } from 'node:path';

/** The repository root (the bench runs the sensor from its sources there). */
export const REPO = join(import.meta.dirname, '..');
/** The public captures (../shared/captures, or SHARED_CAPTURES), as in test/helpers/cli.ts. */
export const SHARED_CAPTURES = process.env.SHARED_CAPTURES ?? join(REPO, '../shared/captures');
