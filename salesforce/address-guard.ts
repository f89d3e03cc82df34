import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Connect-time half of the SSRF defence. The URL guard (platform/salesforce-url.ts) decides which *names* the
 * worker may call; this decides which *addresses* those names may resolve to at the moment the socket opens,
 * so a name that resolves (or is re-pointed, DNS rebinding) to loopback, a private network or the cloud
 * metadata address is refused before a byte is sent (OWASP SSRF Prevention Cheat Sheet, "DNS rebinding"; the
 * ranges are IANA's special-purpose registries, RFC 6890).
 */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // carrier-grade NAT, RFC 6598
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, incl. the 169.254.169.254 metadata service
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b:1::', 48], // local-use NAT64
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** True for a routable public unicast address; IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is judged as IPv4. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
    if (mapped) return isPublicAddress(mapped[1]!);
    // BlockList matches IPv6 subnets on the canonical form, and `::ffff:7f00:1` is IPv4-mapped as well.
    if (/^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/i.test(address)) return false;
    return !NON_PUBLIC.check(address, 'ipv6');
  }
  return !NON_PUBLIC.check(address, 'ipv4');
}

/** The error a refused address raises; `send` turns it into a non-retryable setup error. */
export class NonPublicAddressError extends Error {
  readonly code = 'ERR_NON_PUBLIC_ADDRESS';
  constructor(hostname: string) {
    // The address itself stays out of the message: it would turn error texts into an internal network map.
    super(`${hostname} resolves to a loopback, private or link-local address`);
    this.name = 'NonPublicAddressError';
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;
export type LookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/**
 * A `net.connect` `lookup` (passed to undici through `connect`) that resolves like Node does and fails when any
 * resolved address is not public. Node calls it with `{ all: true }` when it races address families
 * (autoSelectFamily), and without it otherwise, so both answer shapes are handled.
 */
export function publicOnlyLookup(resolve: LookupFunction = dnsLookup as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      const addresses = Array.isArray(address) ? address.map((entry) => entry.address) : [address];
      if (addresses.length === 0 || !addresses.every(isPublicAddress)) {
        return callback(new NonPublicAddressError(hostname), options.all ? [] : '', undefined);
      }
      callback(null, address, family);
    });
  };
}
