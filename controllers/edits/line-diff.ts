/**
 * A line diff (longest common subsequence after trimming the common ends), used to carry edits
 * made on a re-stringified YAML document back onto the original text, and to show diffs in PRs.
 */

/** One run of the diff: lines kept, removed from the old text, or added in the new one. */
export type DiffOp =
  | { readonly type: 'keep'; readonly oldIndex: number; readonly newIndex: number }
  | { readonly type: 'remove'; readonly oldIndex: number }
  | { readonly type: 'add'; readonly newIndex: number };

/** The operations turning `before` into `after`, in order. */
export function diffLines(before: readonly string[], after: readonly string[]): DiffOp[] {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endOld = before.length;
  let endNew = after.length;
  while (endOld > start && endNew > start && before[endOld - 1] === after[endNew - 1]) {
    endOld--;
    endNew--;
  }
  const ops: DiffOp[] = [];
  for (let i = 0; i < start; i++) ops.push({ type: 'keep', oldIndex: i, newIndex: i });
  ops.push(...middle(before, after, start, endOld, start, endNew));
  for (let i = 0; i < before.length - endOld; i++) ops.push({ type: 'keep', oldIndex: endOld + i, newIndex: endNew + i });
  return ops;
}

function middle(before: readonly string[], after: readonly string[], a0: number, a1: number, b0: number, b1: number): DiffOp[] {
  const n = a1 - a0;
  const m = b1 - b0;
  // lengths[i][j]: LCS length of before[a0+i..a1) and after[b0+j..b1).
  const lengths = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i][j] = before[a0 + i] === after[b0 + j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  const ops: DiffOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[a0 + i] === after[b0 + j]) {
      ops.push({ type: 'keep', oldIndex: a0 + i, newIndex: b0 + j });
      i++;
      j++;
    } else if (i < n && (j === m || lengths[i + 1][j] >= lengths[i][j + 1])) {
      // Removals before additions, as `diff -u` shows them.
      ops.push({ type: 'remove', oldIndex: a0 + i });
      i++;
    } else {
      ops.push({ type: 'add', newIndex: b0 + j });
      j++;
    }
  }
  return ops;
}

/** A unified diff of two texts with `context` lines around each change; empty when equal. */
export function unifiedDiff(file: string, before: string, after: string, context = 3): string {
  if (before === after) return '';
  const a = before.split('\n');
  const b = after.split('\n');
  const ops = diffLines(a, b);
  const changed = ops.map((op) => op.type !== 'keep');
  const lines: string[] = [`--- a/${file}`, `+++ b/${file}`];
  let index = 0;
  while (index < ops.length) {
    if (!changed[index]) {
      index++;
      continue;
    }
    let from = Math.max(0, index - context);
    let to = index;
    // Extend the hunk while changes are closer than 2 × context apart.
    while (to < ops.length) {
      let next = to;
      while (next < ops.length && changed[next]) next++;
      let gap = next;
      while (gap < ops.length && !changed[gap]) gap++;
      if (gap < ops.length && gap - next <= context * 2) to = gap;
      else {
        to = Math.min(ops.length, next + context);
        break;
      }
    }
    const hunk = ops.slice(from, to);
    const oldStart = firstIndex(hunk, 'old') + 1;
    const newStart = firstIndex(hunk, 'new') + 1;
    const oldCount = hunk.filter((op) => op.type !== 'add').length;
    const newCount = hunk.filter((op) => op.type !== 'remove').length;
    lines.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
    for (const op of hunk) {
      if (op.type === 'keep') lines.push(` ${a[op.oldIndex]}`);
      else if (op.type === 'remove') lines.push(`-${a[op.oldIndex]}`);
      else lines.push(`+${b[op.newIndex]}`);
    }
    index = to;
    from = to;
  }
  return `${lines.join('\n')}\n`;
}

function firstIndex(hunk: readonly DiffOp[], side: 'old' | 'new'): number {
  for (const op of hunk) {
    if (side === 'old' && op.type !== 'add') return op.oldIndex;
    if (side === 'new' && op.type !== 'remove') return op.newIndex;
  }
  return 0;
}
