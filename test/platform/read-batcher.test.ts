// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReadBatcher } from '../../src/platform/read-batcher.ts';

const tick = () => new Promise((r) => setImmediate(r));

test('a lone read goes at once; reads during a batch in flight share the next query', async () => {
  const calls: string[][] = [];
  const gates: (() => void)[] = [];
  const batcher = new ReadBatcher<string, string>(
    async (keys) => {
      calls.push(keys);
      await new Promise<void>((resolve) => gates.push(resolve));
      return new Map(keys.filter((k) => k !== 'missing').map((k) => [k, k.toUpperCase()]));
    },
    (k) => k,
    1,
  );
  const first = batcher.load('a');
  await tick();
  assert.deepEqual(calls, [['a']], 'sent at once, alone');
  const rest = ['b', 'c', 'missing', 'b'].map((k) => batcher.load(k));
  await tick();
  assert.equal(calls.length, 1, 'nothing more is sent while the first is out');
  gates.shift()!();
  assert.equal(await first, 'A');
  await tick();
  assert.deepEqual(calls[1], ['b', 'c', 'missing', 'b']);
  gates.shift()!();
  assert.deepEqual(await Promise.all(rest), ['B', 'C', undefined, 'B']);
});

test('a failed query fails the reads of its batch only', async () => {
  let n = 0;
  const batcher = new ReadBatcher<string, string>(
    async (keys) => {
      if (n++ === 0) throw new Error('boom');
      return new Map(keys.map((k) => [k, k]));
    },
    (k) => k,
  );
  await assert.rejects(batcher.load('x'), /boom/);
  assert.equal(await batcher.load('y'), 'y');
});
