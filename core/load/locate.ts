/** Turns a path inside a document into the file position a person should look at. */
import { isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import type { SourcePosition } from '../diagnostics.js';
import type { ParsedDocument } from './parse-yaml.js';

/** A path inside a document: property names and list indexes. */
export type PathSegments = readonly (string | number)[];

/**
 * The position of the value at `segments`, or of its key when `pointAtKey` (for unknown or
 * misplaced fields). When the path does not exist, the deepest existing ancestor is used.
 */
export function positionOf(document: ParsedDocument, segments: PathSegments, pointAtKey = false): SourcePosition {
  const { yaml, lineCounter } = document.syntax();
  let node: unknown = yaml.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [depth, segment] of segments.entries()) {
    const isLast = depth === segments.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (pair === undefined) break;
      const keyStart = rangeStart(pair.key);
      if (isLast && pointAtKey && keyStart !== null) {
        offset = keyStart;
        break;
      }
      node = pair.value;
      offset = rangeStart(node) ?? keyStart ?? offset;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      node = node.items[segment];
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  const { line, col } = lineCounter.linePos(offset);
  return { file: document.file, line, column: col };
}

/** `spec.deployments[0].stable` for `['spec', 'deployments', 0, 'stable']`. */
export function formatPath(segments: PathSegments): string {
  let text = '';
  for (const segment of segments) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** Splits an Ajv instance path (`/spec/deployments/0`) into segments. */
export function segmentsOfPointer(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^(0|[1-9][0-9]*)$/.test(part) ? Number(part) : part));
}

function rangeStart(node: unknown): number | null {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : null;
}
