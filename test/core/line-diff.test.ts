/**
 * The one line diff, against GNU `diff -u` on the same files: changes in the middle, at both ends,
 * hunks joined and split by the context, an empty side, a replaced block.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { diffLines, unifiedDiff } from '../../core/line-diff.js';

const numbered = (count: number, change: Record<number, string> = {}) => Array.from({ length: count }, (_, i) => change[i] ?? `line ${i}`);
const text = (lines: readonly string[]) => lines.map((line) => `${line}\n`).join('');

describe('core/line-diff', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'slipway-diff-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const gnuDiff = async (oldText: string, newText: string) => {
    await writeFile(path.join(dir, 'old'), oldText);
    await writeFile(path.join(dir, 'new'), newText);
    const run = spawnSync('diff', ['-u', '--label', 'a/f', '--label', 'b/f', 'old', 'new'], { cwd: dir, encoding: 'utf8' });
    assert.ok(run.status === 0 || run.status === 1, run.stderr);
    return run.stdout;
  };

  const cases: Record<string, [string, string]> = {
    'one change in the middle': [text(numbered(20)), text(numbered(20, { 10: 'changed' }))],
    'changes 6 lines apart share a hunk': [text(numbered(30)), text(numbered(30, { 5: 'x', 12: 'y' }))],
    'changes 7 lines apart get two hunks': [text(numbered(30)), text(numbered(30, { 5: 'x', 13: 'y' }))],
    'first and last lines': [text(numbered(12)), text(numbered(12, { 0: 'first', 11: 'last' }))],
    'lines added at the end': [text(numbered(5)), text([...numbered(5), 'new 1', 'new 2'])],
    'lines removed at the start': [text(numbered(8)), text(numbered(8).slice(3))],
    'from nothing': ['', text(['a', 'b'])],
    'to nothing': [text(['a', 'b']), ''],
    'a replaced block, removals first': [text(numbered(10)), text([...numbered(10).slice(0, 4), 'p', 'q', 'r', ...numbered(10).slice(6)])],
  };
  for (const [name, [oldText, newText]] of Object.entries(cases)) {
    it(`writes what diff -u writes: ${name}`, async () => {
      assert.equal(unifiedDiff(oldText, newText, 'a/f', 'b/f'), await gnuDiff(oldText, newText));
    });
  }

  it('is empty for equal texts', () => {
    assert.equal(unifiedDiff('a\nb\n', 'a\nb\n', 'a/f', 'b/f'), '');
  });

  it('maps every line of both texts exactly once, in order', () => {
    const before = ['a', 'b', 'c', 'd', 'e'];
    const after = ['a', 'x', 'c', 'e', 'f'];
    const ops = diffLines(before, after);
    assert.deepEqual(ops.flatMap((op) => (op.type === 'add' ? [] : [op.oldIndex])), [0, 1, 2, 3, 4]);
    assert.deepEqual(ops.flatMap((op) => (op.type === 'remove' ? [] : [op.newIndex])), [0, 1, 2, 3, 4]);
    assert.deepEqual(ops.filter((op) => op.type === 'keep').map((op) => before[op.oldIndex]), ['a', 'c', 'e']);
  });
});
