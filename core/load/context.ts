/** What every resolver shares: a place to report problems, and the documents resolved so far. */
import type { Diagnostic } from '../diagnostics.js';
import type { Kind } from '../schemas/index.js';
import { didYouMean } from './did-you-mean.js';
import { formatPath, positionOf, type PathSegments } from './locate.js';
import type { ParsedDocument } from './parse-yaml.js';

/** A schema-valid document waiting to be resolved, typed by its generated document type. */
export interface Located<T> {
  readonly document: ParsedDocument;
  readonly raw: T;
}

/** Collects problems and knows every name declared, including names of invalid documents. */
export class ResolveContext {
  readonly diagnostics: Diagnostic[] = [];
  /** Names declared per kind, even by documents that failed their schema. */
  readonly declared = new Map<Kind, Set<string>>();
  /** Names of declared documents that failed to load; references to them are not reported twice. */
  readonly broken = new Map<Kind, Set<string>>();

  /** Records a problem at a path inside a document. */
  report(document: ParsedDocument, segments: PathSegments, message: string, rule: string, pointAtKey = false): void {
    this.diagnostics.push({ ...positionOf(document, segments, pointAtKey), path: formatPath(segments), message, rule });
  }

  /** Marks `name` of `kind` as declared; `broken` when its document did not pass its schema. */
  declare(kind: Kind, name: string, broken: boolean): void {
    setOf(this.declared, kind).add(name);
    if (broken) setOf(this.broken, kind).add(name);
  }

  /**
   * Checks that `name` refers to a resolved document of `kind`; reports a dangling reference
   * (with a suggestion) unless the target exists but is itself broken.
   */
  checkReference(
    resolved: ReadonlyMap<string, unknown>,
    kind: Kind,
    name: string,
    document: ParsedDocument,
    segments: PathSegments,
  ): boolean {
    if (resolved.has(name)) return true;
    if (this.broken.get(kind)?.has(name)) return false;
    this.report(document, segments, `${kind} '${name}' does not exist${didYouMean(name, resolved.keys())}`, 'reference');
    return false;
  }
}

function setOf(map: Map<Kind, Set<string>>, kind: Kind): Set<string> {
  let set = map.get(kind);
  if (set === undefined) {
    set = new Set();
    map.set(kind, set);
  }
  return set;
}

/** Identity fields of a document, shared by every resolver. */
export function metaOf<K extends Kind>(kind: K, located: Located<{ metadata: { name: string; owner: string; labels?: Record<string, string>; annotations?: Record<string, string> } }>) {
  const { metadata } = located.raw;
  return {
    kind,
    name: metadata.name,
    owner: metadata.owner,
    labels: metadata.labels ?? {},
    annotations: metadata.annotations ?? {},
    declaredAt: located.document.start,
  };
}
