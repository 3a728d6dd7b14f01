import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Dictionary, prepared, tokenArray, type Db } from '../../src/platform/db.ts';
import { openTestDb, testDbKind } from '../helpers/db.ts';

describe(`data layer on ${testDbKind}`, () => {
  let db: Db;
  before(async () => {
    db = await openTestDb();
    await db.query('CREATE TABLE db_probe (id int PRIMARY KEY, amount bigint, day date, at timestamptz, tags text[], doc jsonb)');
  });
  after(() => db.close());

  test('values come back as the data layer promises', async () => {
    const at = new Date('2026-03-04T05:06:07.089Z');
    await db.query('INSERT INTO db_probe VALUES ($1, $2, $3, $4, $5, $6)', [1, 9_223_372_036_854_775_807n, '2026-02-28', at, ['a', 'b,c', null, 'd"e'], { k: 1 }]);
    const [row] = await db.query('SELECT * FROM db_probe WHERE id = $1', [1]);
    assert.equal(row.amount, 9_223_372_036_854_775_807n);
    assert.equal(row.day, '2026-02-28');
    assert.deepEqual(row.at, at);
    assert.deepEqual(row.tags, ['a', 'b,c', null, 'd"e']);
    assert.deepEqual(row.doc, { k: 1 });
    // The same statement again with other values, nulls included.
    await db.query('INSERT INTO db_probe VALUES ($1, $2, $3, $4, $5, $6)', [2, null, null, null, null, null]);
    const [empty] = await db.query('SELECT * FROM db_probe WHERE id = $1', [2]);
    assert.equal(empty.amount, null);
    assert.equal(empty.tags, null);
  });

  test('array literals and dictionary references expand in SQL', async () => {
    const ids = new Dictionary();
    const refs = ['x', 'y', 'x', null, 'z', 'y'].map((v) => ids.ref(v));
    assert.deepEqual(refs, [1, 2, 1, null, 3, 2]);
    assert.deepEqual(ids.values, ['x', 'y', 'z']);
    const rows = await db.query<{ v: string | null }>('SELECT ($1::text[])[r] AS v FROM unnest($2::int4[]) WITH ORDINALITY AS u(r, n) ORDER BY n', [
      tokenArray(ids.values),
      tokenArray(refs),
    ]);
    assert.deepEqual(
      rows.map((r) => r.v),
      ['x', 'y', 'x', null, 'z', 'y'],
    );
  });

  test('a prepared statement runs again and again, on the pool and in transactions, and keeps its errors', async () => {
    const sql = prepared('SELECT sum(x)::int8 AS total FROM unnest($1::int8[]) AS x WHERE x > $2');
    assert.equal(prepared(sql), sql);
    // Past five runs PostgreSQL may switch to a generic plan: the answers must not change.
    for (let i = 0; i < 8; i++) {
      const [row] = await db.query<{ total: bigint }>(sql, [tokenArray([1n, 2n, BigInt(i)]), 0]);
      assert.equal(row.total, 3n + BigInt(i));
      const [inTx] = await db.transaction((tx) => tx.query<{ total: bigint }>(sql, [[5, i], 4]));
      assert.equal(inTx.total, i > 4 ? 5n + BigInt(i) : 5n);
    }
    await assert.rejects(db.query(sql, ['{x}', 0]), (error: any) => error.code === '22P02');
    const [after] = await db.query<{ total: bigint }>(sql, ['{7}', 0]);
    assert.equal(after.total, 7n);
  });

  test('a failed statement rolls its transaction back and the next one works', async () => {
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO db_probe (id) VALUES ($1)', [10]);
        await tx.query('INSERT INTO db_probe (id) VALUES ($1)', [10]);
      }),
      (error: any) => error.code === '23505' && error.constraint === 'db_probe_pkey',
    );
    assert.deepEqual(await db.query('SELECT id FROM db_probe WHERE id = $1', [10]), []);
    await assert.rejects(db.query('SELEC 1'), (error: any) => error.code === '42601');
    await assert.rejects(db.query('SELECT $1::int', ['not a number']), (error: any) => error.code === '22P02');
    const [ok] = await db.query<{ n: number }>('SELECT $1::int AS n', [7]);
    assert.equal(ok.n, 7);
  });

  test('a statement sees a column added after it first ran', async () => {
    const read = 'SELECT * FROM db_probe WHERE id = $1';
    for (let i = 0; i < 7; i++) await db.query(read, [1]);
    await db.query('ALTER TABLE db_probe ADD COLUMN note text');
    const [row] = await db.query(read, [1]);
    assert.ok('note' in row);
  });

  test('a query outside a transaction does not see the open one until it commits', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedOnce = new Promise<void>((resolve) => (inserted = resolve));
    const writer = db.transaction(async (tx) => {
      await tx.query('INSERT INTO db_probe (id) VALUES ($1)', [20]);
      inserted();
      await held;
    });
    await insertedOnce;
    // Another connection reads the last commit, without the open transaction's row.
    assert.deepEqual(await db.query('SELECT count(*)::int AS n FROM db_probe WHERE id = $1', [20]), [{ n: 0 }]);
    release();
    await writer;
    assert.deepEqual(await db.query('SELECT count(*)::int AS n FROM db_probe WHERE id = $1', [20]), [{ n: 1 }]);
  });
});

describe(`NOTIFY listeners on ${testDbKind}`, () => {
  test('a payload sent in a committed transaction arrives; a rolled-back one never does', async () => {
    const db = await openTestDb({ max: 4 });
    const channel = `probe_${Date.now()}`;
    const got: string[] = [];
    const listener = await db.listen(channel, (payload) => got.push(payload), () => {});
    try {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('SELECT pg_notify($1, $2)', [channel, 'rolled back']);
          throw new Error('abort');
        }),
      );
      await db.query('SELECT pg_notify($1, $2)', [channel, 'committed']);
      for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(got, ['committed']);
    } finally {
      await listener.close();
      await db.close();
    }
  });

  test('a lost listening connection reconnects and says so', async () => {
    const db = await openTestDb({ max: 4 });
    const channel = `probe_lost_${Date.now()}`;
    const got: string[] = [];
    let reconnected = 0;
    const listener = await db.listen(channel, (payload) => got.push(payload), () => reconnected++);
    try {
      // Kill the listening backend from another connection, as a network cut or restart would.
      await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`, [`LISTEN "${channel}"`]);
      for (let i = 0; i < 300 && reconnected === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(reconnected, 1);
      await db.query('SELECT pg_notify($1, $2)', [channel, 'after']);
      for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(got, ['after']);
    } finally {
      await listener.close();
      await db.close();
    }
  });
});
