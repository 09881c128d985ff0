/** A small line-based unified diff (longest common subsequence), enough for manifests of a few hundred lines. */

/** One line of an edit script. */
interface Edit {
  readonly op: ' ' | '-' | '+';
  readonly line: string;
}

/** The unified diff of two texts with `context` lines around each change; empty when they are equal. */
export function unifiedDiff(oldText: string, newText: string, oldName: string, newName: string, context = 3): string {
  if (oldText === newText) return '';
  const edits = editScript(splitLines(oldText), splitLines(newText));
  const out = [`--- ${oldName}`, `+++ ${newName}`];
  for (const hunk of hunks(edits, context)) out.push(...hunk);
  return `${out.join('\n')}\n`;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function editScript(a: readonly string[], b: readonly string[]): Edit[] {
  // Common prefix and suffix first: manifests change in a few places, which keeps the table small.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  const table = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * (m + 1) + j] = midA[i] === midB[j] ? table[(i + 1) * (m + 1) + j + 1] + 1 : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
    }
  }
  const edits: Edit[] = a.slice(0, start).map((line) => ({ op: ' ', line }));
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && midA[i] === midB[j]) {
      edits.push({ op: ' ', line: midA[i] });
      i++;
      j++;
    } else if (j < m && (i === n || table[i * (m + 1) + j + 1] >= table[(i + 1) * (m + 1) + j])) {
      edits.push({ op: '+', line: midB[j++] });
    } else {
      edits.push({ op: '-', line: midA[i++] });
    }
  }
  // Removals before additions within a change reads better; reorder each run of changes.
  const tail = a.slice(endA).map((line): Edit => ({ op: ' ', line }));
  return [...groupChanges(edits), ...tail];
}

function groupChanges(edits: readonly Edit[]): Edit[] {
  const out: Edit[] = [];
  let run: Edit[] = [];
  const flush = () => {
    out.push(...run.filter((edit) => edit.op === '-'), ...run.filter((edit) => edit.op === '+'));
    run = [];
  };
  for (const edit of edits) {
    if (edit.op === ' ') {
      flush();
      out.push(edit);
    } else run.push(edit);
  }
  flush();
  return out;
}

function hunks(edits: readonly Edit[], context: number): string[][] {
  const changed = edits.map((edit, index) => (edit.op === ' ' ? -1 : index)).filter((index) => index >= 0);
  const result: string[][] = [];
  let index = 0;
  while (index < changed.length) {
    const first = Math.max(0, changed[index] - context);
    let last = Math.min(edits.length - 1, changed[index] + context);
    while (index + 1 < changed.length && changed[index + 1] - context <= last + 1) {
      index++;
      last = Math.min(edits.length - 1, changed[index] + context);
    }
    index++;
    let oldLine = 1;
    let newLine = 1;
    for (let k = 0; k < first; k++) {
      if (edits[k].op !== '+') oldLine++;
      if (edits[k].op !== '-') newLine++;
    }
    const body = edits.slice(first, last + 1);
    const oldCount = body.filter((edit) => edit.op !== '+').length;
    const newCount = body.filter((edit) => edit.op !== '-').length;
    result.push([
      `@@ -${oldCount === 0 ? oldLine - 1 : oldLine},${oldCount} +${newCount === 0 ? newLine - 1 : newLine},${newCount} @@`,
      ...body.map((edit) => `${edit.op}${edit.line}`),
    ]);
  }
  return result;
}
