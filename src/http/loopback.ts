import { BlockList, isIP } from 'node:net';

// Addresses only this machine can reach: 127.0.0.0/8 and ::1 (and their IPv4-mapped forms).
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/**
 * Whether listening on `host` keeps a server private to this machine. `localhost` counts (it resolves to loopback
 * on every system we support); anything else that is not a loopback literal — `0.0.0.0`, `::`, a LAN address, a
 * hostname — is treated as reachable from the network.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  const family = isIP(bare);
  if (family === 0) return false;
  return loopback.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/** `http://host:port`, with brackets around an IPv6 literal. */
export function httpUrl(host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
