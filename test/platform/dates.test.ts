import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDay, isDay, utcMs } from '../../src/platform/dates.ts';

test('isDay, by arithmetic, accepts exactly the days a Date gives back as written', () => {
  const byDate = (text: string) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (!m || Number(m[1]) < 1) return false;
    return formatDay(utcMs(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) === text;
  };
  const years = [0, 1, 4, 99, 100, 200, 400, 1582, 1600, 1700, 1900, 2000, 2024, 2100, 2400, 9996, 9999];
  for (let y = 1; y <= 9999; y += 37) years.push(y);
  for (const y of years) {
    for (let month = 0; month <= 13; month++) {
      for (let day = 0; day <= 32; day++) {
        const text = `${String(y).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
        assert.equal(isDay(text), byDate(text), text);
      }
    }
  }
  for (const text of ['2024-2-01', '20240201', '2024-02-01T00:00:00Z', ' 2024-02-01', '2024-02-01\n', '', '+02024-02-01']) assert.equal(isDay(text), false, text);
});
