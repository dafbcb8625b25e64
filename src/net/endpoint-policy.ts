import { lookup } from 'node:dns/promises';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where webhooks may send (issue 13, SSRF): never into the local network unless
 * the operator lists the host or its network in ROSTER_WEBHOOK_ALLOWED_HOSTS.
 *
 * An address is refused when it is not plain public unicast: loopback, RFC 1918,
 * shared 100.64/10, link-local, unique-local, multicast, unspecified, broadcast,
 * reserved and documentation ranges (ipaddr.js's range tables, not hand-rolled
 * ones), and every IPv6 form that carries such an IPv4 address inside it
 * (IPv4-mapped, IPv4-translated, NAT64 64:ff9b::/96, 6to4 2002::/16) — an attacker
 * writes `http://[::ffff:127.0.0.1]/` as readily as `http://127.0.0.1/`.
 *
 * Hosts are read with the WHATWG URL parser, which already turns
 * `http://2130706433/` and `http://0x7f.1/` into `127.0.0.1`.
 */

/** Resolves a host name to every address it has (default: the system resolver, as connections would). */
export type Resolver = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

export interface AllowRules {
  /** Exact host names (lower case, no brackets). */
  readonly hosts: ReadonlySet<string>;
  /** `*.example.com` entries, kept as `.example.com`. */
  readonly suffixes: readonly string[];
  readonly networks: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][];
}

export class AllowListError extends Error {}

/** Parses ROSTER_WEBHOOK_ALLOWED_HOSTS entries: host names, `*.domain`, IP addresses and CIDRs. */
export function parseAllowList(entries: readonly string[] | undefined): AllowRules {
  const hosts = new Set<string>();
  const suffixes: string[] = [];
  const networks: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  for (const raw of entries ?? []) {
    const entry = raw
      .trim()
      .toLowerCase()
      .replace(/^\[|\]$/g, '');
    if (!entry) continue;
    if (entry.includes('/')) {
      try {
        networks.push(ipaddr.parseCIDR(entry));
      } catch {
        throw new AllowListError(`"${raw}" is not a valid CIDR (e.g. 10.0.0.0/8 or fd00::/8)`);
      }
    } else if (net.isIP(entry)) {
      const ip = ipaddr.parse(entry);
      networks.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
    } else if (entry.startsWith('*.') && /^[a-z0-9.-]+$/.test(entry.slice(2))) {
      suffixes.push(entry.slice(1));
    } else if (/^[a-z0-9.-]+$/.test(entry)) {
      hosts.add(entry.replace(/\.$/, ''));
    } else {
      throw new AllowListError(`"${raw}" is not a host name, *.domain, IP address or CIDR`);
    }
  }
  return { hosts, suffixes, networks };
}

/** The IPv4 address an IPv6 address carries, for the forms that route to it. */
function embeddedIPv4(ip: ipaddr.IPv6, range: string): ipaddr.IPv4 | undefined {
  const p = ip.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  switch (range) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d (IPv4-translated)
      return v4(p[6]!, p[7]!);
    case 'rfc6052': // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
      return p[1] === 0xff9b && p[2] === 0 ? v4(p[6]!, p[7]!) : undefined;
    case '6to4': // 2002:AABB:CCDD::/48
      return v4(p[1]!, p[2]!);
    default:
      return undefined;
  }
}

/** Why an address is refused (e.g. "loopback", "ipv4Mapped of private"), or null when it is public unicast. */
export function refusedRange(address: string): string | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return 'unparsable';
  }
  if (ip.kind() === 'ipv4') {
    const range = ip.range();
    return range === 'unicast' ? null : range;
  }
  const v6 = ip as ipaddr.IPv6;
  const range = v6.range();
  if (['ipv4Mapped', 'rfc6145', 'rfc6052', '6to4'].includes(range)) {
    const inner = embeddedIPv4(v6, range);
    // 64:ff9b:1::/48 (local-use NAT64) embeds at a prefix of the operator's choosing: refuse.
    if (!inner) return range;
    const innerRange = refusedRange(inner.toString());
    return innerRange ? `${range} of ${innerRange}` : null;
  }
  if (range !== 'unicast') return range;
  // ::a.b.c.d (deprecated IPv4-compatible): some stacks still route it to the IPv4 address.
  if (v6.parts.slice(0, 6).every((x) => x === 0)) return 'ipv4Compatible';
  return null;
}

function inAllowedNetwork(address: string, rules: AllowRules): boolean {
  if (rules.networks.length === 0) return false;
  const ip = ipaddr.parse(address);
  const forms: (ipaddr.IPv4 | ipaddr.IPv6)[] = [ip];
  if (ip.kind() === 'ipv6') {
    const inner = embeddedIPv4(ip as ipaddr.IPv6, (ip as ipaddr.IPv6).range());
    if (inner) forms.push(inner);
  } else {
    forms.push((ip as ipaddr.IPv4).toIPv4MappedAddress());
  }
  return forms.some((f) => rules.networks.some(([net, bits]) => f.kind() === net.kind() && f.match(net, bits)));
}

/** null when the address may be connected to, else the reason it may not. */
export function addressRefusal(address: string, rules: AllowRules): string | null {
  const range = refusedRange(address);
  if (range === null) return null;
  if (inAllowedNetwork(address, rules)) return null;
  return `${address} is a ${range} address`;
}

export function hostListed(hostname: string, rules: AllowRules): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return rules.hosts.has(host) || rules.suffixes.some((s) => host.endsWith(s) && host.length > s.length);
}

/** The URL's host as a bare name or address (IPv6 without brackets). */
export const bareHost = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/** RFC 6761: these names are the local machine, whatever a resolver says. */
const isLocalhostName = (host: string) => /(^|\.)localhost\.?$/i.test(host);

export type EndpointCheck = { readonly ok: true; readonly addresses: readonly { address: string; family: number }[] } | { readonly ok: false; readonly reason: string };

/**
 * Checks an http(s) endpoint: an IP literal directly, a name by resolving it once
 * (every address must pass). A listed host name is trusted whatever it resolves to.
 * A resolver error propagates: the caller decides (creation accepts a name that
 * does not resolve yet, since every delivery checks again; a delivery fails).
 */
export async function checkEndpoint(url: URL, rules: AllowRules, resolve: Resolver): Promise<EndpointCheck> {
  const host = bareHost(url);
  const family = net.isIP(host);
  if (family) {
    const reason = addressRefusal(host, rules);
    return reason ? { ok: false, reason: `endpoint host ${url.hostname}: ${reason}` } : { ok: true, addresses: [{ address: host, family }] };
  }
  const listed = hostListed(host, rules);
  if (!listed && isLocalhostName(host)) return { ok: false, reason: `endpoint host ${host} is the local machine` };
  const addresses = await resolve(host);
  if (addresses.length === 0) return { ok: false, reason: `endpoint host ${host} has no address` };
  if (!listed) {
    for (const a of addresses) {
      const reason = addressRefusal(a.address, rules);
      if (reason) return { ok: false, reason: `endpoint host ${host} resolves to ${reason}` };
    }
  }
  return { ok: true, addresses };
}

export const ALLOW_HINT = 'list the host or its network in ROSTER_WEBHOOK_ALLOWED_HOSTS to allow it';

/** `work`, or the signal's reason once it aborts (a resolver that never answers must not hold a caller). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
