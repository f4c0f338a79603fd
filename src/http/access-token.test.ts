import { describe, expect, it } from 'vitest';
import { resolveAccessToken } from './access-token.js';
import { httpUrl, isLoopbackHost } from './loopback.js';

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1'])('%s is loopback', (host) => expect(isLoopbackHost(host)).toBe(true));
  it.each(['0.0.0.0', '::', '[::]', '192.168.1.10', '10.0.0.1', '128.0.0.1', 'example.com', 'localhost.evil.com', '', '::ffff:10.0.0.1'])('%s is not', (host) => expect(isLoopbackHost(host)).toBe(false));
  it('brackets IPv6 in URLs', () => {
    expect(httpUrl('::1', 80)).toBe('http://[::1]:80');
    expect(httpUrl('127.0.0.1', 80)).toBe('http://127.0.0.1:80');
  });
});

describe('resolveAccessToken', () => {
  const base = { env: {}, envVar: 'LADDER_SERVE_TOKEN', host: '127.0.0.1', random: (n: number) => Buffer.alloc(n, 7) };

  it('prefers --token, then the environment, else generates one', () => {
    const fromEnv = { LADDER_SERVE_TOKEN: 'env-token-0123456789' };
    expect(resolveAccessToken({ ...base, env: fromEnv, flag: 'flag-token-0123456789' })).toEqual({ token: 'flag-token-0123456789', source: 'flag' });
    expect(resolveAccessToken({ ...base, env: fromEnv })).toEqual({ token: 'env-token-0123456789', source: 'env' });
    const generated = resolveAccessToken(base);
    expect(generated.source).toBe('generated');
    expect(generated.token).toBe(Buffer.alloc(32, 7).toString('base64url'));
  });

  it('refuses a non-loopback host without an explicit token (exit 2), and accepts one with it', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
      expect(() => resolveAccessToken({ ...base, host })).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/--token or LADDER_SERVE_TOKEN/) }));
      expect(resolveAccessToken({ ...base, host, flag: 'flag-token-0123456789' }).source).toBe('flag');
    }
  });

  it.each(['', 'short', ' padded-token-0123456789', 'has a space 0123456789', 'tab\ttoken-0123456789'])('refuses the weak or malformed token %j (exit 2)', (flag) => {
    expect(() => resolveAccessToken({ ...base, flag })).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => resolveAccessToken({ ...base, env: { LADDER_SERVE_TOKEN: flag } })).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/LADDER_SERVE_TOKEN/) }));
  });
});
