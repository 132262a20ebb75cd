import { u16 } from './bytes.js';

/**
 * IPv6 extension-header walk, shared by the outer packet and the packet an
 * ICMPv6 error quotes. Returns the offset of the upper-layer header, or one of
 * the negative results below. The upper-layer protocol is left in `walk.proto`
 * and whether this is a non-first fragment in `walk.fragment` (module scratch,
 * so the walk allocates nothing).
 */
export const WALK_TRUNCATED = -1;
export const WALK_BAD = -2;

export const walk = {
  proto: 0,
  /** A fragment header with a non-zero offset was met: the walk stopped after it. */
  fragment: false,
  /** Offset of the fragment header, or -1 when there is none. */
  fragHeader: -1,
};

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AH = 51;
const DEST_OPTS = 60;
const MOBILITY = 135;
const HIP = 139;
const SHIM6 = 140;

/** More than this many extension headers is treated as damage (RFC 8200 expects a handful). */
const MAX_EXTENSION_HEADERS = 16;

export function walkIpv6Extensions(b: Uint8Array, firstNext: number, start: number, end: number): number {
  let next = firstNext;
  let p = start;
  walk.fragment = false;
  walk.fragHeader = -1;
  for (let i = 0; i < MAX_EXTENSION_HEADERS; i++) {
    switch (next) {
      case HOP_BY_HOP:
      case ROUTING:
      case DEST_OPTS:
      case MOBILITY:
      case HIP:
      case SHIM6: {
        if (p + 2 > end) return WALK_TRUNCATED;
        const nextHeader = b[p];
        p += (b[p + 1] + 1) * 8;
        next = nextHeader;
        break;
      }
      case AH: {
        if (p + 2 > end) return WALK_TRUNCATED;
        const nextHeader = b[p];
        p += (b[p + 1] + 2) * 4;
        next = nextHeader;
        break;
      }
      case FRAGMENT: {
        if (p + 8 > end) return WALK_TRUNCATED;
        const nextHeader = b[p];
        walk.fragHeader = p;
        // Offset in 8-byte units in the top 13 bits: non-zero = not the first fragment.
        if ((u16(b, p + 2) & 0xfff8) !== 0) walk.fragment = true;
        p += 8;
        next = nextHeader;
        if (walk.fragment) {
          walk.proto = next;
          return p;
        }
        break;
      }
      default:
        walk.proto = next;
        return p;
    }
  }
  return WALK_BAD;
}
