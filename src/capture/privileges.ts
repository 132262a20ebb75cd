/**
 * Privilege drop after the capture handle is open, like `tcpdump -Z user`:
 * opening a capture socket needs root (or CAP_NET_RAW), reading an open one
 * does not, so the sensor parses hostile packets as an ordinary user.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SensorError } from '../errors.js';

export interface UserIds {
  name: string;
  uid: number;
  gid: number;
}

// process.initgroups exists on POSIX but is missing from @types/node 20.
type PosixProcess = NodeJS.Process & { initgroups?: (user: string | number, extraGroup: string | number) => void };

/** Supplementary groups of `name` (from `id -G`); just the primary group if `id` fails. */
export function groupsOf(name: string, gid: number): number[] {
  try {
    const out = execFileSync('id', ['-G', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const list = out.trim().split(/\s+/).map(Number).filter(Number.isInteger);
    return list.includes(gid) ? list : [gid, ...list];
  } catch {
    return [gid];
  }
}

/** Find a user by name (or numeric uid): /etc/passwd first, then `id` for NSS users (LDAP, sssd). */
export function lookupUser(user: string): UserIds | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length < 4 || f[0].startsWith('#')) continue;
      if (f[0] === user || (/^\d+$/.test(user) && f[2] === user)) {
        return { name: f[0], uid: Number(f[2]), gid: Number(f[3]) };
      }
    }
  } catch {
    // no readable /etc/passwd: ask `id` below
  }
  try {
    const ask = (flag: string): string =>
      execFileSync('id', [flag, user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const uid = Number(ask('-u'));
    const gid = Number(ask('-g'));
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) return null;
    return { name: ask('-un'), uid, gid };
  } catch {
    return null;
  }
}

/**
 * Become `user` for good: supplementary groups, then gid, then uid (in that
 * order: after setuid we could no longer change groups). A no-op unless running
 * as root; returns whether it dropped. Throws SensorError CAP_PRIVDROP.
 */
export function dropPrivileges(user: string): boolean {
  if (typeof process.geteuid !== 'function' || process.geteuid() !== 0) return false;
  const ids = lookupUser(user);
  if (!ids) {
    throw new SensorError('CAP_PRIVDROP', `cannot drop privileges: no user named "${user}" on this system (check --user)`);
  }
  if (ids.uid === 0) {
    throw new SensorError('CAP_PRIVDROP', `cannot drop privileges to "${user}": that user is root; pick an unprivileged user`);
  }
  try {
    const proc: PosixProcess = process;
    if (proc.initgroups) proc.initgroups(ids.name, ids.gid);
    else proc.setgroups!(groupsOf(ids.name, ids.gid));
    process.setgid!(ids.gid);
    process.setuid!(ids.uid);
  } catch (e) {
    throw new SensorError('CAP_PRIVDROP', `cannot drop privileges to "${user}": ${(e as Error).message}`);
  }
  // Paranoia, as privilege-separating daemons do: the change must be permanent.
  let regained = false;
  try {
    process.setuid!(0);
    regained = true;
  } catch {
    // expected: an unprivileged user cannot become root again
  }
  if (regained || process.getuid!() !== ids.uid || process.geteuid() !== ids.uid || process.getgid!() !== ids.gid) {
    throw new SensorError('CAP_PRIVDROP', `privilege drop to "${user}" did not stick; refusing to continue`);
  }
  return true;
}
