/** Applies a proposal's YAML edits to the files of a checked-out repository. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { YamlEdit } from '../proposals/proposal.js';
import { applyEditsToText } from './apply-edits.js';

/** One edited file, before and after. */
export interface FileChange {
  readonly file: string;
  readonly before: string;
  readonly after: string;
}

/** Applies `edits` under `root`, file by file in a stable order; returns what changed. */
export async function applyEditsInDirectory(root: string, edits: readonly YamlEdit[]): Promise<FileChange[]> {
  const byFile = new Map<string, YamlEdit[]>();
  for (const edit of edits) byFile.set(edit.file, [...(byFile.get(edit.file) ?? []), edit]);
  const changes: FileChange[] = [];
  for (const file of [...byFile.keys()].sort()) {
    const absolute = path.join(root, file);
    const before = await readFile(absolute, 'utf8');
    const after = applyEditsToText(file, before, byFile.get(file)!);
    if (after !== before) {
      await writeFile(absolute, after);
      changes.push({ file, before, after });
    }
  }
  return changes;
}
