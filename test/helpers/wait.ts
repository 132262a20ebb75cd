/**
 * Waiting in tests: always for a condition, with a deadline, never for a
 * fixed time (a fixed sleep is how a loaded CI machine flakes).
 */

/**
 * Poll `cond` every `everyMs` until it returns true; after `timeoutMs` throw
 * "timed out waiting for <what>" (with the last error `cond` threw, if any).
 * Deadlines are generous (60 s): a green run never waits them out, and a
 * start-up that took 10 s at load 20 on this 2-core VM must not fail.
 */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 20): Promise<void> {
  if (typeof cond !== 'function' || !Number.isFinite(timeoutMs)) throw new TypeError(`waitFor(what, cond, timeoutMs): bad arguments for ${String(what)}`);
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await cond()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
