/** Checks each document against its kind's JSON Schema and words every failure for a person. */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Diagnostic } from '../diagnostics.js';
import { API_VERSION, KINDS, SCHEMAS, isKind, type Kind } from '../schemas/index.js';
import { DNS_LABEL_PATTERN, DURATION_PATTERN, PERCENT_PATTERN, SEMVER_PATTERN } from '../units.js';
import { closestMatch, didYouMean } from './did-you-mean.js';
import { formatPath, positionOf, segmentsOfPointer } from './locate.js';
import type { ParsedDocument } from './parse-yaml.js';

let compiled: Map<Kind, ValidateFunction> | null = null;

// Compiled once per process: compiling is the expensive part of Ajv, validating is cheap.
function validators(): Map<Kind, ValidateFunction> {
  if (compiled !== null) return compiled;
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
  compiled = new Map(KINDS.map((kind) => [kind, ajv.compile(SCHEMAS[kind])]));
  return compiled;
}

/** The kind of a document whose envelope is sound, or null with the problems reported. */
export function checkEnvelope(document: ParsedDocument, report: (d: Diagnostic) => void): Kind | null {
  const { apiVersion, kind } = document.value;
  const problem = (field: string, message: string, rule: string) =>
    report({ ...positionOf(document, [field]), path: field, message, rule });
  if (apiVersion === undefined) problem('apiVersion', `missing required field 'apiVersion' (expected '${API_VERSION}')`, 'api-version');
  else if (apiVersion !== API_VERSION) problem('apiVersion', `unsupported apiVersion '${String(apiVersion)}'; expected '${API_VERSION}'`, 'api-version');
  if (kind === undefined) {
    problem('kind', `missing required field 'kind' (one of ${KINDS.join(', ')})`, 'unknown-kind');
    return null;
  }
  if (!isKind(kind)) {
    problem('kind', `unknown kind '${String(kind)}'${didYouMean(String(kind), KINDS)}; expected one of ${KINDS.join(', ')}`, 'unknown-kind');
    return null;
  }
  return apiVersion === API_VERSION ? kind : null;
}

/** Validates a document of a known kind; reports every schema violation. */
export function checkSchema(document: ParsedDocument, kind: Kind, report: (d: Diagnostic) => void): boolean {
  const validate = validators().get(kind)!;
  if (validate(document.value)) return true;
  for (const error of withoutEchoes(relevantErrors(validate.errors ?? []))) {
    report(toDiagnostic(document, error));
  }
  return false;
}

// `ownr: x` yields both "unknown field 'ownr'" and "missing 'owner'"; the first already says it all.
function withoutEchoes(errors: ErrorObject[]): ErrorObject[] {
  const suggested = new Set<string>();
  for (const error of errors) {
    if (error.keyword !== 'additionalProperties') continue;
    const known = Object.keys((error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
    const match = closestMatch(String(error.params.additionalProperty), known);
    if (match !== null) suggested.add(`${error.instancePath}/${match}`);
  }
  return errors.filter((error) => !(error.keyword === 'required' && suggested.has(`${error.instancePath}/${String(error.params.missingProperty)}`)));
}

// `if`/`anyOf` wrappers repeat what their sub-errors already say.
function relevantErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  return errors.filter((error) => error.keyword !== 'if' && error.keyword !== 'anyOf');
}

function toDiagnostic(document: ParsedDocument, error: ErrorObject): Diagnostic {
  const segments = segmentsOfPointer(error.instancePath);
  if (error.keyword === 'additionalProperties') {
    const field = String(error.params.additionalProperty);
    const known = Object.keys((error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
    const fieldPath = [...segments, field];
    return {
      ...positionOf(document, fieldPath, true),
      path: formatPath(fieldPath),
      message: `unknown field '${field}'${didYouMean(field, known)}`,
      rule: 'unknown-field',
    };
  }
  if (error.keyword === 'required') {
    const field = String(error.params.missingProperty);
    return {
      ...positionOf(document, segments),
      path: formatPath([...segments, field]),
      message: `missing required field '${field}'`,
      rule: 'required',
    };
  }
  return { ...positionOf(document, segments), path: formatPath(segments), message: describe(error), rule: ruleOf(error) };
}

function describe(error: ErrorObject): string {
  const got = shown(error.data);
  switch (error.keyword) {
    case 'type':
      return `must be ${article(String(error.params.type).replace(',', ' or '))} (got ${typeName(error.data)})`;
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ')} (got ${got})${didYouMean(String(error.data), (error.params.allowedValues as unknown[]).map(String))}`;
    case 'const':
      return `must be '${String(error.params.allowedValue)}' (got ${got})`;
    case 'pattern':
      return patternMessage(String(error.params.pattern), got);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${error.params.comparison} ${error.params.limit} (got ${got})`;
    case 'minItems':
      return `must list at least ${error.params.limit} item${error.params.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `must list at most ${error.params.limit} items`;
    case 'minLength':
      return error.params.limit === 1 ? 'must not be empty' : `must be at least ${error.params.limit} characters`;
    case 'maxLength':
      return `must be at most ${error.params.limit} characters (got ${String(error.data).length})`;
    case 'uniqueItems':
      return `must not repeat items (items ${error.params.j} and ${error.params.i} are equal)`;
    default:
      return error.message ?? 'is invalid';
  }
}

function patternMessage(pattern: string, got: string): string {
  if (pattern === DURATION_PATTERN) return `${got} is not a duration; write it like 24h, 500ms or 1h30m`;
  if (pattern === SEMVER_PATTERN) return `${got} is not a semantic version; write it like 2.0.0`;
  if (pattern === PERCENT_PATTERN) return `${got} is not a percentage; write it like 5%`;
  if (pattern === DNS_LABEL_PATTERN) {
    return `${got} is not a valid name: use lowercase letters, digits and '-', starting and ending with a letter or digit`;
  }
  if (pattern.includes('a-f0-9]{64}')) return `${got} is not a SHA-256: 64 lowercase hex digits`;
  if (pattern.includes('Ki|Mi|Gi')) return `${got} is not a Kubernetes quantity; write it like 500m, 2 or 512Mi`;
  if (pattern.includes(':[A-Za-z_]')) return `${got} is not a feature reference; write it as <feature-view>:<feature>`;
  return `${got} does not match the pattern ${pattern}`;
}

function ruleOf(error: ErrorObject): string {
  if (error.keyword === 'pattern') {
    const pattern = String(error.params.pattern);
    if (pattern === DURATION_PATTERN) return 'duration';
    if (pattern === SEMVER_PATTERN) return 'semver';
    if (pattern === DNS_LABEL_PATTERN) return 'name';
    return 'format';
  }
  return error.keyword === 'type' ? 'type' : 'schema';
}

function shown(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || typeof value !== 'object') return String(value);
  return typeName(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${shown(value)}`;
}

function article(type: string): string {
  const words: Record<string, string> = { object: 'a mapping', array: 'a list', integer: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false' };
  return type
    .split(' or ')
    .map((part) => words[part] ?? part)
    .join(' or ');
}
