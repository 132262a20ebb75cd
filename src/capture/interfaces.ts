/**
 * Interface listing (Peng's `-interfaces` flag) and the local addresses of the
 * capture interface (so a detector knows which side of a packet is "us").
 */
import { networkInterfaces } from 'node:os';
import { loadCap, loadNative } from './live.js';

export interface InterfaceInfo {
  name: string;
  description: string | null;
  /** IPv4 and IPv6 addresses as text. */
  addresses: string[];
  /** null where the backend cannot tell (the cap fallback only knows loopback). */
  loopback: boolean;
  up: boolean | null;
  running: boolean | null;
}

/**
 * Capture devices as libpcap sees them: from our addon, else from `cap`,
 * else from os.networkInterfaces() (names and addresses only). Never throws
 * for a missing backend; libpcap errors surface as SensorError from the addon.
 */
export function listInterfaces(): InterfaceInfo[] {
  const addon = loadNative();
  if (addon) {
    return addon.listDevices().map((d) => ({
      name: d.name,
      description: d.description,
      addresses: d.addresses.flatMap((a) => (a.addr ? [a.addr] : [])),
      loopback: d.loopback,
      up: d.up,
      running: d.running,
    }));
  }
  const cap = loadCap();
  if (cap) {
    return cap.Cap.deviceList().map((d) => ({
      name: d.name,
      description: d.description ?? null,
      addresses: d.addresses.flatMap((a) => (typeof a.addr === 'string' ? [a.addr] : [])),
      loopback: d.flags === 'PCAP_IF_LOOPBACK',
      up: null,
      running: null,
    }));
  }
  return Object.entries(networkInterfaces()).map(([name, addrs]) => ({
    name,
    description: null,
    addresses: (addrs ?? []).map((a) => a.address),
    loopback: (addrs ?? []).some((a) => a.internal),
    up: null,
    running: null,
  }));
}

/**
 * The IPv4 and IPv6 addresses of `device` in this network namespace, as text
 * (IPv6 without a zone suffix). Empty when the device is unknown or has none.
 * os.networkInterfaces() skips interfaces that are not up and running, so for
 * those ask libpcap, which lists every configured address.
 */
export function localAddresses(device: string): string[] {
  const addrs = networkInterfaces()[device];
  if (addrs && addrs.length > 0) return addrs.map((a) => a.address.split('%')[0]);
  const dev = loadNative()?.listDevices().find((d) => d.name === device);
  return dev ? dev.addresses.flatMap((a) => (a.addr ? [a.addr.split('%')[0]] : [])) : [];
}
