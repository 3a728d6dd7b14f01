import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/platform/config.ts';

test('defaults: port 3000, data under ./data, PGlite', () => {
  const config = loadConfig({});
  assert.equal(config.port, 3000);
  assert.match(config.dataDir, /\/data$/);
  assert.equal(config.databaseUrl, null);
  assert.equal(config.redisUrl, null);
});

test('a bad value stops start-up with a message naming the variable', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'abc' }, /^PORT /],
    [{ PORT: '70000' }, /^PORT /],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL /],
    [{ DATABASE_URL: '::' }, /^DATABASE_URL /],
    [{ REDIS_URL: 'http://x' }, /^REDIS_URL /],
    [{ JWT_SECRET: 'short' }, /^JWT_SECRET /],
    [{ JWT_ACCESS_TTL_SECONDS: '-5' }, /^JWT_ACCESS_TTL_SECONDS /],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL /],
  ];
  for (const [env, pattern] of cases) {
    assert.throws(() => loadConfig(env), (e: any) => e instanceof ConfigError && pattern.test(e.message) && !e.message.includes('\n'));
  }
});
