import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/platform/config.ts';

test('defaults: port 3000, data under ./data, the embedded PostgreSQL', () => {
  const config = loadConfig({});
  assert.equal(config.port, 3000);
  assert.match(config.dataDir, /\/data$/);
  assert.equal(config.databaseUrl, null);
  assert.equal(config.redisUrl, null);
  assert.equal(config.embeddedPgPort, null);
  assert.equal(config.jwtSecrets, null);
});

test('JWT_SECRETS: comma-separated, the first signs; each at least 32 characters', () => {
  const a = 'a'.repeat(32);
  const b = 'b'.repeat(40);
  assert.deepEqual(loadConfig({ JWT_SECRETS: `${a}, ${b}` }).jwtSecrets, [a, b]);
  assert.deepEqual(loadConfig({ JWT_SECRET: b }).jwtSecrets, [b]);
  assert.equal(loadConfig({ EMBEDDED_PG_PORT: '5544' }).embeddedPgPort, 5544);
});

test('a bad value stops start-up with a message naming the variable', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'abc' }, /^PORT /],
    [{ PORT: '70000' }, /^PORT /],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL /],
    [{ DATABASE_URL: '::' }, /^DATABASE_URL /],
    [{ REDIS_URL: 'http://x' }, /^REDIS_URL /],
    [{ JWT_SECRET: 'short' }, /^JWT_SECRET /],
    [{ JWT_SECRET: '' }, /^JWT_SECRET .*empty/],
    [{ JWT_SECRETS: `${'a'.repeat(32)},` }, /^JWT_SECRETS entry 2 .*empty/],
    [{ JWT_SECRETS: `${'a'.repeat(32)},short` }, /^JWT_SECRETS entry 2 /],
    [{ JWT_SECRET: 'a'.repeat(32), JWT_SECRETS: 'b'.repeat(32) }, /JWT_SECRET or JWT_SECRETS/],
    [{ EMBEDDED_PG_PORT: '0' }, /^EMBEDDED_PG_PORT /],
    [{ EMBEDDED_PG_PORT: 'x' }, /^EMBEDDED_PG_PORT /],
    [{ JWT_ACCESS_TTL_SECONDS: '-5' }, /^JWT_ACCESS_TTL_SECONDS /],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL /],
  ];
  for (const [env, pattern] of cases) {
    assert.throws(() => loadConfig(env), (e: any) => e instanceof ConfigError && pattern.test(e.message) && !e.message.includes('\n'));
  }
});
