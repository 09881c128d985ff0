/**
 * The one line diff: the longest common subsequence after trimming the common ends (documents and
 * manifests change in a few places, which keeps the table small). The controller carries edits
 * made on a re-stringified YAML document back onto the original text with `diffLines`; PR bodies
 * and `render --check` show `unifiedDiff`.
 */

/** One step of the diff: a line kept, removed from the old text, or added in the new one. */
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
  ops.push(...middle(before.slice(start, endOld), after.slice(start, endNew), start));
  for (let i = 0; i < before.length - endOld; i++) ops.push({ type: 'keep', oldIndex: endOld + i, newIndex: endNew + i });
  return ops;
}

/** The LCS walk over the differing middle, whose first line is `offset` in both texts. */
function middle(before: readonly string[], after: readonly string[], offset: number): DiffOp[] {
  const n = before.length;
  const m = after.length;
  // lcs(i, j): the LCS length of before[i..] and after[j..], in one flat table.
  const table = new Uint32Array((n + 1) * (m + 1));
  const lcs = (i: number, j: number) => table[i * (m + 1) + j] as number;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * (m + 1) + j] = before[i] === after[j] ? lcs(i + 1, j + 1) + 1 : Math.max(lcs(i + 1, j), lcs(i, j + 1));
    }
  }
  const ops: DiffOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      ops.push({ type: 'keep', oldIndex: offset + i++, newIndex: offset + j++ });
    } else if (i < n && (j === m || lcs(i + 1, j) >= lcs(i, j + 1))) {
      ops.push({ type: 'remove', oldIndex: offset + i++ });
    } else {
      ops.push({ type: 'add', newIndex: offset + j++ });
    }
  }
  return ops;
}

/**
 * The unified diff of two texts (`diff -u` with `context` lines, removals before additions in
 * each change); empty when they are equal. The names go in the `---`/`+++` lines as given
 * (`a/file`, `/dev/null`).
 */
export function unifiedDiff(oldText: string, newText: string, oldName: string, newName: string, context = 3): string {
  if (oldText === newText) return '';
  const before = splitLines(oldText);
  const after = splitLines(newText);
  const lines = groupChanges(diffLines(before, after)).map((op): DiffLine => {
    if (op.type === 'keep') return { mark: ' ', text: before[op.oldIndex] as string };
    return op.type === 'remove' ? { mark: '-', text: before[op.oldIndex] as string } : { mark: '+', text: after[op.newIndex] as string };
  });
  return `${[`--- ${oldName}`, `+++ ${newName}`, ...hunks(lines, context).flat()].join('\n')}\n`;
}

interface DiffLine {
  readonly mark: ' ' | '-' | '+';
  readonly text: string;
}

/** Lines without the empty one after a final newline. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Each run of changes with its removals first, as `diff -u` shows them. */
function groupChanges(ops: readonly DiffOp[]): DiffOp[] {
  const grouped: DiffOp[] = [];
  let run: DiffOp[] = [];
  const flush = () => {
    grouped.push(...run.filter((op) => op.type === 'remove'), ...run.filter((op) => op.type === 'add'));
    run = [];
  };
  for (const op of ops) {
    if (op.type !== 'keep') {
      run.push(op);
      continue;
    }
    flush();
    grouped.push(op);
  }
  flush();
  return grouped;
}

/** The hunks: changes closer than 2 × `context` lines share one. */
function hunks(lines: readonly DiffLine[], context: number): string[][] {
  const changed = lines.flatMap((line, index) => (line.mark === ' ' ? [] : [index]));
  const result: string[][] = [];
  let index = 0;
  while (index < changed.length) {
    const first = Math.max(0, (changed[index] as number) - context);
    let last = Math.min(lines.length - 1, (changed[index] as number) + context);
    while (index + 1 < changed.length && (changed[index + 1] as number) - context <= last + 1) {
      index++;
      last = Math.min(lines.length - 1, (changed[index] as number) + context);
    }
    index++;
    result.push([hunkHeader(lines, first, last), ...lines.slice(first, last + 1).map((line) => `${line.mark}${line.text}`)]);
  }
  return result;
}

/** `@@ -start,count +start,count @@`; an empty side starts at the line before, as `diff -u` writes it. */
function hunkHeader(lines: readonly DiffLine[], first: number, last: number): string {
  const before = lines.slice(0, first);
  const body = lines.slice(first, last + 1);
  const oldStart = before.filter((line) => line.mark !== '+').length + 1;
  const newStart = before.filter((line) => line.mark !== '-').length + 1;
  const oldCount = body.filter((line) => line.mark !== '+').length;
  const newCount = body.filter((line) => line.mark !== '-').length;
  return `@@ -${oldCount === 0 ? oldStart - 1 : oldStart},${oldCount} +${newCount === 0 ? newStart - 1 : newStart},${newCount} @@`;
}
