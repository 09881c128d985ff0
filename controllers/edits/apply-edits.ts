/**
 * Applies `YamlEdit`s through the `yaml` Document API so that comments, key order and the
 * formatting of every untouched line survive: a reviewer sees only the lines that matter.
 *
 * The stringifier normalises a few things globally (flow-collection padding, for one), so the
 * edited document is stringified, diffed line by line against the unedited document stringified
 * the same way, and only the changed lines are carried onto the original text.
 */
import { isCollection, isMap, isScalar, isSeq, parseAllDocuments, type Document, type ToStringOptions } from 'yaml';
import type { YamlEdit } from '../proposals/proposal.js';
import { diffLines } from '../../core/line-diff.js';

/** Applies every edit aimed at one file to its text; throws naming the file, document and path. */
export function applyEditsToText(file: string, text: string, edits: readonly YamlEdit[]): string {
  if (edits.length === 0) return text;
  const options = stringifyOptions(text);
  const pristine = parseAllDocuments(text);
  const edited = parseAllDocuments(text);
  if (!Array.isArray(edited) || !Array.isArray(pristine)) throw new Error(`${file}: not a YAML stream`);
  for (const edit of edits) {
    const document = findDocument(edited, edit);
    if (document === null) throw new Error(`${file}: no ${edit.kind} '${edit.name}' to edit`);
    try {
      applyEdit(document, edit);
    } catch (error) {
      throw new Error(`${file}: editing ${edit.kind} '${edit.name}' at ${edit.path.join('.')}`, { cause: error });
    }
  }
  const before = pristine.map((document) => document.toString(options)).join('');
  const after = edited.map((document) => document.toString(options)).join('');
  return carryChanges(text, before, after);
}

function stringifyOptions(text: string): ToStringOptions {
  // Follow the file's habit for `{ a: 1 }` versus `{a: 1}` on the lines we write.
  const padded = (text.match(/\{ \S/g) ?? []).length >= (text.match(/\{[^ \n}]/g) ?? []).length;
  return { lineWidth: 0, minContentWidth: 0, flowCollectionPadding: padded };
}

function findDocument(documents: readonly Document[], edit: YamlEdit): Document | null {
  for (const document of documents) {
    if (document.get('kind') === edit.kind && document.getIn(['metadata', 'name']) === edit.name) return document;
  }
  return null;
}

function applyEdit(document: Document, edit: YamlEdit): void {
  const path = [...edit.path];
  if (edit.op === 'delete') {
    document.deleteIn(path);
    return;
  }
  if (edit.op === 'prepend') {
    const sequence = document.getIn(path, true);
    const item = document.createNode(edit.value);
    markNestedFlow(item);
    if (sequence === undefined) document.setIn(path, document.createNode([edit.value]));
    else if (isSeq(sequence)) sequence.items.unshift(item);
    else throw new Error('not a sequence');
    return;
  }
  const previous = document.getIn(path, true);
  // A scalar changed in place keeps its comment and quoting style.
  if (isScalar(previous) && (edit.value === null || typeof edit.value !== 'object')) {
    previous.value = edit.value;
    return;
  }
  const node = document.createNode(edit.value);
  // A replaced `{ a: 1 }` stays a one-line flow map when the new value is as simple.
  if (isCollection(previous) && previous.flow && isCollection(node) && isFlat(edit.value)) node.flow = true;
  if (isMap(node) || isSeq(node)) markNestedFlow(node);
  document.setIn(path, node);
}

function isFlat(value: unknown): boolean {
  const children = Array.isArray(value) ? value : value !== null && typeof value === 'object' ? Object.values(value) : [];
  return children.every((child) => child === null || typeof child !== 'object');
}

// Small maps of scalars and lists of numbers read best on one line (`metrics: { auc: 0.97 }`,
// `edges: [0, 50]`), as the seed is written.
function markNestedFlow(node: unknown): void {
  if (!isMap(node) && !isSeq(node)) return;
  for (const item of node.items) {
    const child = isMap(node) ? (item as { value: unknown }).value : item;
    if (isMap(child) && child.items.length <= 6 && child.items.every((pair) => !isCollection(pair.value))) child.flow = true;
    else if (isSeq(child) && child.items.every((entry) => isScalar(entry) && typeof entry.value === 'number')) child.flow = true;
    else markNestedFlow(child);
  }
}

/**
 * Carries the lines that differ between `before` (the unedited document, stringified) and `after`
 * (the edited one) onto `original`, keeping every original line the edit did not touch. Where the
 * stringifier reformatted a run of lines (a folded scalar, say) the original run is kept unless the
 * edit touched it, in which case that run takes the stringifier's form.
 */
export function carryChanges(original: string, before: string, after: string): string {
  const source = original.split('\n');
  const pristine = before.split('\n');
  const edited = after.split('\n');
  const toSource = new Array<number>(pristine.length).fill(-1);
  // Source and stringified lines pair up when they differ only in spacing (`{ a: 1 }` and `{a: 1}`,
  // two spaces before a comment): the source's form is the one kept.
  for (const op of diffLines(source.map(spacingFree), pristine.map(spacingFree))) if (op.type === 'keep') toSource[op.newIndex] = op.oldIndex;
  const kept = new Array<boolean>(pristine.length).fill(false);
  const insertedBefore: string[][] = Array.from({ length: pristine.length + 1 }, () => []);
  let pending: string[] = [];
  for (const op of diffLines(pristine, edited)) {
    if (op.type === 'add') {
      pending.push(edited[op.newIndex]);
      continue;
    }
    insertedBefore[op.oldIndex].push(...pending);
    pending = [];
    if (op.type === 'keep') kept[op.oldIndex] = true;
  }
  insertedBefore[pristine.length].push(...pending);
  const out: string[] = [];
  let cursor = 0;
  let index = 0;
  while (index < pristine.length) {
    if (toSource[index] !== -1) {
      // Lines only the source has (before this anchor) stay where they were.
      out.push(...source.slice(cursor, toSource[index]), ...insertedBefore[index]);
      if (kept[index]) out.push(source[toSource[index]]);
      cursor = toSource[index] + 1;
      index++;
      continue;
    }
    let end = index;
    while (end < pristine.length && toSource[end] === -1) end++;
    const sourceEnd = end < pristine.length ? toSource[end] : source.length;
    let touched = false;
    for (let line = index; line < end; line++) touched ||= !kept[line] || (line > index && insertedBefore[line].length > 0);
    out.push(...insertedBefore[index]);
    if (!touched) out.push(...source.slice(cursor, sourceEnd));
    else for (let line = index; line < end; line++) out.push(...(line > index ? insertedBefore[line] : []), ...(kept[line] ? [pristine[line]] : []));
    cursor = sourceEnd;
    index = end;
  }
  out.push(...source.slice(cursor), ...insertedBefore[pristine.length]);
  return out.join('\n');
}

function spacingFree(line: string): string {
  const indent = /^ */.exec(line)![0].length;
  return `${indent}:${line.replace(/\s+/g, '')}`;
}
