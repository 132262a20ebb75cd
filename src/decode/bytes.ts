/** Big-endian reads straight from the capture buffer (no DataView per packet). */
export function u16(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

export function u32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

/** Little-endian 32-bit read (BSD null link header in host order, LE capture files). */
export function u32le(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

export function u16le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8);
}
