import { describe, expect, it } from 'vitest';
import { hostReason, nonPublicReason } from '../../src/outbound/address-policy.js';

/** SPEC §15: the classifier TOOLWIRE_BLOCK_PRIVATE uses on every connection's resolved address. */
describe('the outbound address classifier', () => {
  const blocked: Array<[string, RegExp]> = [
    // IPv4
    ['127.0.0.1', /loopback/],
    ['127.255.0.9', /loopback/],
    ['10.0.0.1', /private/],
    ['172.16.5.4', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['100.64.0.1', /CGNAT/],
    ['100.127.255.254', /CGNAT/],
    ['169.254.169.254', /cloud metadata/],
    ['169.254.1.1', /link-local/],
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['240.0.0.1', /reserved/],
    ['255.255.255.255', /reserved/],
    ['192.0.0.8', /reserved/],
    ['192.0.2.1', /documentation/],
    ['198.18.0.1', /benchmarking/],
    // IPv6
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['fc00::1', /unique local/],
    ['fd12:3456::1', /unique local/],
    ['fd00:ec2::254', /cloud metadata/],
    ['ff02::1', /multicast/],
    ['fec0::1', /site-local/],
    ['2001:db8::1', /documentation/],
    ['100::1', /reserved/],
    ['::7f00:1', /reserved/], // IPv4-compatible (deprecated)
    ['4000::1', /reserved/], // outside 2000::/3
    // IPv4 inside IPv6
    ['::ffff:127.0.0.1', /loopback \(IPv4-mapped 127\.0\.0\.1\)/],
    ['::ffff:10.0.0.1', /private \(IPv4-mapped 10\.0\.0\.1\)/],
    ['::ffff:a00:1', /private \(IPv4-mapped 10\.0\.0\.1\)/],
    ['::ffff:169.254.169.254', /cloud metadata/],
    ['::ffff:0:7f00:1', /loopback \(IPv4-translated/],
    ['64:ff9b::7f00:1', /loopback \(NAT64 127\.0\.0\.1\)/],
    ['64:ff9b::10.1.1.1', /private \(NAT64 10\.1\.1\.1\)/],
    ['64:ff9b:1::1', /NAT64 local-use/],
    ['2002:0a00:0001::', /private \(6to4 10\.0\.0\.1\)/],
    ['2002:7f00:1::1', /loopback \(6to4 127\.0\.0\.1\)/],
    ['2002:a9fe:a9fe::1', /cloud metadata \(6to4 169\.254\.169\.254\)/],
    // Teredo: server 65.54.227.120, client 10.0.0.1 obfuscated (xor 0xffffffff = f5ff:fffe)
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', /private \(Teredo 10\.0\.0\.1\)/],
    ['[::1]', /loopback/],
  ];

  it.each(blocked)('refuses %s', (address, reason) => {
    expect(nonPublicReason(address)).toMatch(reason);
  });

  const allowed = [
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:0808:0808::1',
    '2001:0:4136:e378:8000:63bf:f7f7:f7f7',
  ];
  it.each(allowed)('allows the public address %s', (address) => {
    expect(nonPublicReason(address)).toBeNull();
  });

  it('refuses what is not an address at all instead of guessing', () => {
    expect(nonPublicReason('not-an-ip')).toBe('unparsable');
    expect(nonPublicReason('')).toBe('unparsable');
  });

  it('judges hosts before any lookup: IP literals, localhost and trailing-dot names', () => {
    expect(hostReason('localhost')).toEqual({ address: 'localhost', reason: 'loopback' });
    expect(hostReason('localhost.')).toEqual({ address: 'localhost.', reason: 'loopback' });
    expect(hostReason('LOCALHOST..')?.reason).toBe('loopback');
    expect(hostReason('api.localhost')?.reason).toBe('loopback');
    expect(hostReason('[::1]')?.reason).toBe('loopback');
    expect(hostReason('[::ffff:127.0.0.1]')?.reason).toMatch(/loopback/);
    expect(hostReason('169.254.169.254')?.reason).toBe('cloud metadata');
    // Names are judged on what they resolve to, by the connector's lookup.
    expect(hostReason('api.example.com')).toBeNull();
    expect(hostReason('localhost.example.com')).toBeNull();
    expect(hostReason('8.8.8.8')).toBeNull();
  });

  it('sees through the URL forms of an IPv4 address (decimal, hex, octal, trailing dot) as URL hosts reach it', () => {
    for (const url of ['http://2130706433/', 'http://0x7f.0.0.1/', 'http://0177.0.0.1/', 'http://127.1/', 'http://127.0.0.1./', 'http://[::ffff:7f00:1]/']) {
      expect(hostReason(new URL(url).hostname)?.reason, url).toMatch(/loopback/);
    }
  });
});
