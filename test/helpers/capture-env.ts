/**
 * Which live-capture engines this machine has, for tests that capture: they
 * skip with the reason when theirs is missing (a clone without libpcap-dev
 * has no native addon; `cap` is an optional dependency).
 */
import { loadCap, loadNative, nativeLoadError } from '../../src/capture/live.js';

/** Why the native addon cannot be used here, or false. */
export function nativeMissing(): string | false {
  return loadNative() ? false : nativeLoadError();
}

/** Why the `cap` engine cannot be used here, or false. */
export function capMissing(): string | false {
  return loadCap() ? false : 'the cap package is not installed or does not load (npm install needs libpcap-dev to build it)';
}

/** Why no live capture at all is possible (neither engine), or false. */
export function liveCaptureMissing(): string | false {
  const n = nativeMissing();
  const c = capMissing();
  return n && c ? `no live-capture engine: ${n}; ${c}` : false;
}
