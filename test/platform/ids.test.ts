// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatId, newId, parseId, ulidToUuid, uuidToUlid } from '../../src/platform/ids.ts';

test('ids are strictly increasing uuids whose ULID text round-trips', () => {
  let previous = '';
  for (let i = 0; i < 50_000; i++) {
    const id = newId();
    assert.ok(id > previous, `${id} after ${previous}`);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(ulidToUuid(uuidToUlid(id)), id);
    previous = id;
  }
});

test('the ULID text is the standard encoding: time first, Crockford base32', () => {
  // 01ARZ3NDEKTSV4RRFFQ69G5FAV is the ULID spec's example.
  const uuid = ulidToUuid('01ARZ3NDEKTSV4RRFFQ69G5FAV')!;
  assert.equal(uuid, '01563e3a-b5d3-d676-4c61-efb99302bd5b');
  assert.equal(uuidToUlid(uuid), '01ARZ3NDEKTSV4RRFFQ69G5FAV');
  const id = newId();
  const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
  assert.ok(Math.abs(ms - Date.now()) < 5000);
});

test('prefixed ids: malformed text is null, lower case is accepted', () => {
  const id = newId();
  const text = formatId('acct', id);
  assert.match(text, /^acct_[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.equal(parseId('acct', text), id);
  assert.equal(parseId('acct', text.toLowerCase()), id);
  for (const bad of ['acct_', 'acc_' + text.slice(5), text + 'X', 'acct_8ZZZZZZZZZZZZZZZZZZZZZZZZZ', 'acct_01ARZ3NDEKTSV4RRFFQ69G5FAU!'.slice(0, 31), 'acct_01ARZ3NDEKTSV4RRFFQ69G5FIL']) {
    assert.equal(parseId('acct', bad), null, bad);
  }
});
