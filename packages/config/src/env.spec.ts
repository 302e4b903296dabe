import { ConfigError, parseEnv } from './env';

describe('parseEnv', () => {
  it('applies the documented defaults', () => {
    const env = parseEnv({});
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/nextbuy');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.SERVING_PORT).toBe(3000);
    expect(env.INGESTION_PORT).toBe(3001);
    expect(env.NEXTBUY_API_KEYS).toEqual([]);
  });

  it('parses scoped API keys, keeping colons inside the key', () => {
    const env = parseEnv({ NEXTBUY_API_KEYS: 'abc:read, w:x:write ,adm:admin' });
    expect(env.NEXTBUY_API_KEYS).toEqual([
      { key: 'abc', scope: 'read' },
      { key: 'w:x', scope: 'write' },
      { key: 'adm', scope: 'admin' },
    ]);
  });

  it('names every bad variable in one error', () => {
    expect(() =>
      parseEnv({ NEXTBUY_API_KEYS: 'abc:root', SERVING_PORT: 'http', REDIS_URL: 'mysql://x' }),
    ).toThrow(ConfigError);
    try {
      parseEnv({ NEXTBUY_API_KEYS: 'abc:root', SERVING_PORT: 'http' });
    } catch (e) {
      expect((e as Error).message).toMatch(/NEXTBUY_API_KEYS: entry "abc:root"/);
      expect((e as Error).message).toMatch(/SERVING_PORT/);
    }
  });

  it('treats empty variables as unset', () => {
    expect(parseEnv({ SERVING_PORT: '' }).SERVING_PORT).toBe(3000);
  });
});

describe('parseEnv: serving security', () => {
  it('parses CORS origins, without a trailing slash', () => {
    expect(parseEnv({}).CORS_ORIGINS).toEqual([]);
    expect(
      parseEnv({ CORS_ORIGINS: 'https://shop.example.com/, http://localhost:5173' }).CORS_ORIGINS,
    ).toEqual(['https://shop.example.com', 'http://localhost:5173']);
    expect(() => parseEnv({ CORS_ORIGINS: 'shop.example.com' })).toThrow(
      /CORS_ORIGINS: "shop.example.com" is not an origin/,
    );
  });

  it('has rate limits and a key cache time', () => {
    const env = parseEnv({});
    expect(env.RATE_LIMIT_PER_MINUTE).toBe(60_000);
    expect(env.RATE_LIMIT_ANONYMOUS_PER_MINUTE).toBe(600);
    expect(env.API_KEY_CACHE_SECONDS).toBe(30);
    expect(() => parseEnv({ RATE_LIMIT_PER_MINUTE: '0' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
  });
});

describe('parseEnv: the console', () => {
  it('defaults to port 3040, no extra metrics targets and a cookie without Secure', () => {
    const env = parseEnv({});
    expect(env.CONSOLE_PORT).toBe(3040);
    expect(env.CONSOLE_METRICS_URLS).toEqual([]);
    expect(env.CONSOLE_METRICS_INTERVAL_MS).toBe(5000);
    expect(env.CONSOLE_COOKIE_SECURE).toBe(false);
  });

  it('reads a list of metrics URLs and names a bad one', () => {
    expect(
      parseEnv({ CONSOLE_METRICS_URLS: 'http://a:3000/metrics, http://b:3030/metrics' }).CONSOLE_METRICS_URLS,
    ).toEqual(['http://a:3000/metrics', 'http://b:3030/metrics']);
    expect(() => parseEnv({ CONSOLE_METRICS_URLS: 'http://a/metrics,ftp://b' })).toThrow(
      /CONSOLE_METRICS_URLS: "ftp:\/\/b" is not an http\(s\) URL/,
    );
    expect(() => parseEnv({ CONSOLE_COOKIE_SECURE: 'yes' })).toThrow(
      /CONSOLE_COOKIE_SECURE: must be true or false/,
    );
  });
});
