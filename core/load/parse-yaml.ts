/** Parses a document file into YAML documents that remember where every node came from. */
import { type Document, LineCounter, isMap, parseAllDocuments } from 'yaml';
import type { Diagnostic, SourcePosition } from '../diagnostics.js';

/** Aliases allowed per document: enough for sharing a block, far too few for an alias bomb. */
export const MAX_ALIAS_COUNT = 50;

/** A document's syntax tree and line index: what locating a problem inside it takes. */
export interface DocumentSyntax {
  readonly yaml: Document.Parsed;
  readonly lineCounter: LineCounter;
}

/** The plain part of a parsed document, cheap to pass between threads. */
export interface PlainDocument {
  readonly file: string;
  /** Index of the document within its file, from 0. */
  readonly index: number;
  readonly value: Record<string, unknown>;
  readonly start: SourcePosition;
}

/** One YAML document of a file, with its plain value and the means to locate any of its nodes. */
export interface ParsedDocument extends PlainDocument {
  /** The syntax tree, rebuilt on first use: only a document with a problem needs it. */
  syntax(): DocumentSyntax;
}

/** The documents of a file that parsed, and the problems of those that did not. */
export interface PlainFile {
  readonly documents: PlainDocument[];
  readonly diagnostics: Diagnostic[];
}

/** A parsed file whose documents can locate their nodes. */
export interface ParsedFile {
  readonly documents: ParsedDocument[];
  readonly diagnostics: Diagnostic[];
}

/** Parses `text` (the content of `file`); never throws for bad input. */
export function parseYamlFile(file: string, text: string): ParsedFile {
  const { documents, diagnostics, syntaxes } = parse(file, text);
  return { diagnostics, documents: documents.map((document) => ({ ...document, syntax: () => syntaxes[document.index] })) };
}

/** Parses like `parseYamlFile` but keeps only plain values (for a worker thread to send back). */
export function parsePlainYamlFile(file: string, text: string): PlainFile {
  const { documents, diagnostics } = parse(file, text);
  return { documents, diagnostics };
}

/** Gives plain documents their `syntax()`, re-parsing `text` once, and only when asked. */
export function withLazySyntax(plain: PlainFile, text: string): ParsedFile {
  let syntaxes: DocumentSyntax[] | null = null;
  const syntaxOf = (index: number) => {
    syntaxes ??= parse(plain.documents[0]?.file ?? '', text).syntaxes;
    return syntaxes[index];
  };
  return { diagnostics: plain.diagnostics, documents: plain.documents.map((document) => ({ ...document, syntax: () => syntaxOf(document.index) })) };
}

function parse(file: string, text: string): PlainFile & { syntaxes: DocumentSyntax[] } {
  const lineCounter = new LineCounter();
  const documents: PlainDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const parsed = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const all = Array.isArray(parsed) ? parsed : [];
  const syntaxes = all.map((yaml) => ({ yaml, lineCounter }));
  let nonEmpty = 0;
  all.forEach((yamlDocument, index) => {
    if (yamlDocument.errors.length > 0) {
      for (const error of yamlDocument.errors) {
        const excerpt = text.slice(error.pos[0], error.pos[0] + 80).split('\n')[0];
        diagnostics.push({ ...at(error.pos[0]), path: '', message: yamlErrorMessage(error.code, error.message, excerpt), rule: 'yaml-syntax' });
      }
      nonEmpty++;
      return;
    }
    const contents = yamlDocument.contents;
    if (contents === null) return; // `---` with nothing after it: tolerated, as kubectl does
    nonEmpty++;
    const start = at(contents.range[0]);
    if (!isMap(contents)) {
      diagnostics.push({ ...start, path: '', message: 'a document must be a mapping with apiVersion, kind, metadata and spec', rule: 'not-a-mapping' });
      return;
    }
    let value: unknown;
    try {
      value = yamlDocument.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      diagnostics.push({ ...start, path: '', message: aliasMessage(error), rule: 'yaml-aliases' });
      return;
    }
    documents.push({ file, index, value: value as Record<string, unknown>, start });
  });
  if (nonEmpty === 0) {
    diagnostics.push({ file, line: 1, column: 1, path: '', message: 'file holds no document; delete it or add one', rule: 'empty-file' });
  }
  return { documents, diagnostics, syntaxes };
}

/**
 * Runs `work` with `process.env` swapped for a plain copy. The yaml parser reads
 * `process.env.LOG_TOKENS` once per token, and each read of the real `process.env` is a call into
 * C++; on a large repository that alone was a fifth of the parse time (measured in bench/validate).
 * Wrap a whole batch of files, not each file: copying the environment is itself costly.
 */
export function withPlainEnvironment<T>(work: () => T): T {
  const environment = process.env;
  process.env = { ...environment };
  try {
    return work();
  } finally {
    process.env = environment;
  }
}

function yamlErrorMessage(code: string, message: string, excerpt: string): string {
  // The yaml library appends a source excerpt after a blank line; keep the sentence only.
  const sentence = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'DUPLICATE_KEY') return `duplicate key '${excerpt.replace(/:.*$/, '').trim()}' in the same mapping`;
  if (code === 'TAB_AS_INDENT' || /tab/i.test(sentence)) return `tabs are not allowed for indentation in YAML; use spaces (${sentence})`;
  return sentence;
}

function aliasMessage(error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  if (/alias/i.test(detail)) {
    return `too many YAML aliases (more than ${MAX_ALIAS_COUNT} expanded); write the values out or share less`;
  }
  return `cannot read document: ${detail}`;
}
