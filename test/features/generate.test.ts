import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { generateTransactions, TRANSACTION_COLUMNS, writeTransactionsCsv } from '../../features/generate.js';

describe('the transaction generator', () => {
  it('writes byte-identical files for the same seed and different ones for another seed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'slipway-gen-'));
    try {
      await writeTransactionsCsv(path.join(dir, 'a.csv'), { rows: 3000, seed: 5 });
      await writeTransactionsCsv(path.join(dir, 'b.csv'), { rows: 3000, seed: 5 });
      await writeTransactionsCsv(path.join(dir, 'c.csv'), { rows: 3000, seed: 6 });
      const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => readFile(path.join(dir, `${name}.csv`), 'utf8')));
      assert.equal(a, b);
      assert.notEqual(a, c);
      assert.equal(a.split('\n')[0], TRANSACTION_COLUMNS.join(','));
      assert.equal(a.trimEnd().split('\n').length, 3001);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('has a fraud rate between 1 and 3 percent, with fraud spending more on less trusted devices', () => {
    const rows = [...generateTransactions({ rows: 50_000, seed: 1 })];
    const fraud = rows.filter((t) => t.fraud);
    const rate = fraud.length / rows.length;
    assert.ok(rate > 0.01 && rate < 0.03, `fraud rate ${rate}`);
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    const legit = rows.filter((t) => !t.fraud);
    assert.ok(mean(fraud.map((t) => t.amount)) > 2 * mean(legit.map((t) => t.amount)));
    assert.ok(mean(fraud.map((t) => t.deviceTrust)) < mean(legit.map((t) => t.deviceTrust)) - 15);
  });

  it('keeps event times increasing and user facts stable per user', () => {
    const rows = [...generateTransactions({ rows: 5000, seed: 2 })];
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i].eventMs >= rows[i - 1].eventMs);
    const ages = new Map<string, number>();
    for (const t of rows) {
      assert.equal(ages.get(t.userId) ?? t.age, t.age);
      ages.set(t.userId, t.age);
    }
  });

  it('shifts amounts after the change point under sudden drift, and not without drift', () => {
    const mean = (drift: 'none' | 'sudden', from: number, to: number) => {
      const rows = [...generateTransactions({ rows: 20_000, seed: 3, drift })].slice(from, to).filter((t) => !t.fraud);
      return rows.reduce((sum, t) => sum + t.amount, 0) / rows.length;
    };
    assert.ok(mean('sudden', 16_000, 20_000) > 1.5 * mean('sudden', 0, 12_000));
    assert.ok(mean('none', 16_000, 20_000) < 1.2 * mean('none', 0, 12_000));
  });

  it('grows the shift over time under gradual drift', () => {
    const rows = [...generateTransactions({ rows: 20_000, seed: 4, drift: 'gradual' })].filter((t) => !t.fraud);
    const mean = (part: typeof rows) => part.reduce((sum, t) => sum + t.deviceTrust, 0) / part.length;
    const quarter = Math.floor(rows.length / 4);
    assert.ok(mean(rows.slice(0, quarter)) > mean(rows.slice(-quarter)) + 8);
  });
});
