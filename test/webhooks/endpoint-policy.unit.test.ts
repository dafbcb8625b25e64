import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { checkEndpoint, parseAllowList, refusedRange, type Resolver } from '../../src/net/endpoint-policy';

/**
 * The SSRF policy (issue 13 item 2): which endpoint hosts a webhook may target.
 * No traffic here: addresses are classified, names resolved by a fake resolver.
 */
const noDns: Resolver = async (host) => {
  throw new Error(`no resolution expected for ${host}`);
};
const check = (endpoint: string, allowed: string[] = [], resolve: Resolver = noDns) => checkEndpoint(new URL(endpoint), parseAllowList(allowed), resolve);

describe('endpoint hosts refused by default', () => {
  it.each([
    // the forms of loopback, normalised by the WHATWG URL parser
    ['http://2130706433/hook', 'loopback'],
    ['http://0x7f.1/hook', 'loopback'],
    ['http://127.0.0.2:9/hook', 'loopback'],
    ['http://[::1]/hook', 'loopback'],
    ['http://[::ffff:127.0.0.1]/hook', 'ipv4Mapped of loopback'],
    ['http://[::ffff:7f00:1]/hook', 'ipv4Mapped of loopback'],
    // the other local ranges
    ['http://10.1.2.3/', 'private'],
    ['http://172.16.0.1/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://100.64.0.1/', 'carrierGradeNat'],
    ['http://169.254.169.254/latest/meta-data/', 'linkLocal'],
    ['http://[fe80::1]/', 'linkLocal'],
    ['http://[fd00::1]/', 'uniqueLocal'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://240.0.0.1/', 'reserved'],
    ['http://192.0.2.1/', 'reserved'],
    ['http://[2001:db8::1]/', 'reserved'],
    // IPv6 forms carrying a local IPv4 address
    ['http://[::ffff:0:a00:1]/', 'rfc6145 of private'],
    ['http://[64:ff9b::7f00:1]/', 'rfc6052 of loopback'],
    ['http://[64:ff9b::a9fe:a9fe]/', 'rfc6052 of linkLocal'],
    ['http://[2002:c0a8:101::1]/', '6to4 of private'],
    ['http://[64:ff9b:1::1]/', 'rfc6052'],
    ['http://[::7f00:1]/', 'ipv4Compatible'],
  ])('%s is refused (%s)', async (endpoint, range) => {
    const r = await check(endpoint);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(`is a ${range} address`);
  });

  it('localhost and *.localhost are refused by name, whatever a resolver says', async () => {
    const publicAnswer: Resolver = async () => [{ address: '93.184.216.34', family: 4 }];
    for (const endpoint of ['http://localhost/hook', 'http://LOCALHOST:8080/', 'http://api.localhost/', 'http://localhost./']) {
      const r = await check(endpoint, [], publicAnswer);
      expect(r).toEqual({ ok: false, reason: expect.stringContaining('is the local machine') });
    }
  });

  it('a name is refused when any of its addresses is local', async () => {
    const mixed: Resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    expect(await check('https://hooks.example.com/x', [], mixed)).toEqual({ ok: false, reason: expect.stringContaining('resolves to 10.0.0.5 is a private address') });
  });
});

describe('endpoint hosts allowed', () => {
  it.each(['http://93.184.216.34/', 'https://[2606:4700:4700::1111]/', 'http://[::ffff:93.184.216.34]/', 'http://[64:ff9b::5db8:d822]/', 'http://[2002:5db8:d822::1]/'])(
    'public address %s is allowed',
    async (endpoint) => {
      expect((await check(endpoint)).ok).toBe(true);
    },
  );

  it('a name resolving to public addresses is allowed, with the addresses to connect to', async () => {
    const resolve: Resolver = async () => [{ address: '93.184.216.34', family: 4 }];
    expect(await check('https://hooks.example.com/x', [], resolve)).toEqual({ ok: true, addresses: [{ address: '93.184.216.34', family: 4 }] });
  });

  it('ROSTER_WEBHOOK_ALLOWED_HOSTS opens addresses, networks (in any IPv6 form) and host names', async () => {
    expect((await check('http://127.0.0.1:9/', ['127.0.0.1'])).ok).toBe(true);
    expect((await check('http://127.0.0.2:9/', ['127.0.0.1'])).ok).toBe(false);
    expect((await check('http://[::ffff:127.0.0.1]/', ['127.0.0.1'])).ok).toBe(true);
    expect((await check('http://10.20.30.40/', ['10.0.0.0/8'])).ok).toBe(true);
    expect((await check('http://[::ffff:10.20.30.40]/', ['10.0.0.0/8'])).ok).toBe(true);
    expect((await check('http://11.0.0.1/', ['10.0.0.0/8'])).ok).toBe(true); // public anyway
    expect((await check('http://192.168.0.1/', ['10.0.0.0/8'])).ok).toBe(false);
    expect((await check('http://[fd00::5]/', ['fd00::/8'])).ok).toBe(true);
    const internal: Resolver = async () => [{ address: '10.0.0.7', family: 4 }];
    expect((await check('http://hooks.internal/', ['hooks.internal'], internal)).ok).toBe(true);
    expect((await check('http://a.svc.internal/', ['*.svc.internal'], internal)).ok).toBe(true);
    expect((await check('http://other.internal/', ['hooks.internal'], internal)).ok).toBe(false);
    expect((await check('http://localhost:3000/', ['localhost'], async () => [{ address: '127.0.0.1', family: 4 }])).ok).toBe(true);
  });

  it('a bad entry stops Roster at start with a message naming the variable', () => {
    expect(() => loadConfig({ ROSTER_WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/99' })).toThrow(/ROSTER_WEBHOOK_ALLOWED_HOSTS: "10.0.0.0\/99" is not a valid CIDR/);
    expect(() => loadConfig({ ROSTER_WEBHOOK_ALLOWED_HOSTS: 'http://x/' })).toThrow(/ROSTER_WEBHOOK_ALLOWED_HOSTS/);
    expect(loadConfig({ ROSTER_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1, 10.0.0.0/8,*.svc.internal' }).webhooks.allowedHosts).toEqual(['127.0.0.1', '10.0.0.0/8', '*.svc.internal']);
  });

  it('refusedRange classifies only what ipaddr.js parses', () => {
    expect(refusedRange('not-an-ip')).toBe('unparsable');
    expect(refusedRange('8.8.8.8')).toBeNull();
  });
});
