// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SessionTokens, loadSessionSecrets } from '../../src/platform/identity/sessions.ts';
import { ConfigError } from '../../src/platform/config.ts';
import { ManualClock } from '../../src/platform/clock.ts';

const clock = new ManualClock(new Date('2026-06-01T00:00:00Z'));
const claims = { orgId: 'o', userId: 'u', surface: 'ledgy' };
const bytes = (s: string) => new TextEncoder().encode(s);

test('the generated secret: 32 random bytes, owner-only, made once even by racing starts', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kontor-secret-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const all = await Promise.all(Array.from({ length: 8 }, () => loadSessionSecrets(null, dir)));
  for (const secrets of all) assert.deepEqual(secrets, all[0]);
  assert.equal(all[0][0].length, 32);
  assert.equal((await stat(path.join(dir, 'jwt-secret'))).mode & 0o777, 0o600);
  assert.deepEqual(await loadSessionSecrets(null, dir), all[0]);
  assert.equal((await readFile(path.join(dir, 'jwt-secret'), 'utf8')).trim().length, 43);
});

test('an empty or short secret file is refused with one line, never used', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kontor-secret-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const text of ['', '\n', Buffer.alloc(31, 7).toString('base64url')]) {
    await writeFile(path.join(dir, 'jwt-secret'), text);
    await assert.rejects(loadSessionSecrets(null, dir), (e: any) => e instanceof ConfigError && /at least 32/.test(e.message) && !e.message.includes('\n'));
  }
});

test('rotation: the first secret signs, every secret verifies', async () => {
  const old = bytes('o'.repeat(32));
  const fresh = bytes('n'.repeat(32));
  const before = new SessionTokens([old], clock, 3600);
  const token = await before.sign(claims);
  const rotated = new SessionTokens([fresh, old], clock, 3600);
  assert.deepEqual(await rotated.verify(token, 'ledgy'), claims);
  const signedNow = await rotated.sign(claims);
  assert.deepEqual(await new SessionTokens([fresh], clock, 3600).verify(signedNow, 'ledgy'), claims);
  // Dropping the old secret ends its tokens; another surface is refused whatever the secret.
  assert.equal(await new SessionTokens([fresh], clock, 3600).verify(token, 'ledgy'), null);
  assert.equal(await rotated.verify(token, 'mycfo'), null);
});
