/**
 * Building blocks shared by the document schemas. Each schema is emitted self-contained (no
 * cross-file `$ref`), so an editor needs only the one file named in a document's modeline.
 */
import { DNS_LABEL_MAX_LENGTH, DNS_LABEL_PATTERN, DURATION_PATTERN, PERCENT_PATTERN, SEMVER_PATTERN } from '../units.js';

/** A JSON Schema (draft 2020-12) node, kept loose on purpose: the schemas are data. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** The API group and version every Slipway document declares. */
export const API_VERSION = 'slipway.dev/v1alpha1';

/** Where the published schemas live; also each schema's `$id`. */
export const SCHEMA_BASE_URL = 'https://slipway.dev/schemas/v1alpha1';

/** A closed object: unknown fields are errors, which is what makes typos visible. */
export function object(
  description: string,
  properties: Record<string, JsonSchema>,
  required: readonly string[] = [],
  extra: JsonSchema = {},
): JsonSchema {
  return {
    type: 'object',
    description,
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
    ...extra,
  };
}

/** A string with a description. */
export function text(description: string, extra: JsonSchema = {}): JsonSchema {
  return { type: 'string', description, ...extra };
}

/** A list with a description. */
export function list(description: string, items: JsonSchema, extra: JsonSchema = {}): JsonSchema {
  return { type: 'array', description, items, ...extra };
}

/** A map from free-form keys to values of one schema. */
export function map(description: string, values: JsonSchema, extra: JsonSchema = {}): JsonSchema {
  return { type: 'object', description, additionalProperties: values, ...extra };
}

/** A DNS-1123 label, the form of every document name. */
export function name(description: string): JsonSchema {
  return text(description, { pattern: DNS_LABEL_PATTERN, minLength: 1, maxLength: DNS_LABEL_MAX_LENGTH });
}

/** A duration such as `24h`, `500ms` or `1h30m`. */
export function duration(description: string): JsonSchema {
  return text(description, { pattern: DURATION_PATTERN });
}

/** A percentage such as `5%`. */
export function percent(description: string): JsonSchema {
  return text(description, { pattern: PERCENT_PATTERN });
}

/** A semantic version such as `2.0.0`. */
export function version(description: string): JsonSchema {
  return text(description, { pattern: SEMVER_PATTERN });
}

/** A number with a description. */
export function number(description: string, extra: JsonSchema = {}): JsonSchema {
  return { type: 'number', description, ...extra };
}

/** An integer with a description. */
export function integer(description: string, extra: JsonSchema = {}): JsonSchema {
  return { type: 'integer', description, ...extra };
}

/** A boolean with a description and its default. */
export function flag(description: string, defaultValue: boolean): JsonSchema {
  return { type: 'boolean', description, default: defaultValue };
}

/** A string restricted to a set of values. */
export function oneOfValues(description: string, values: readonly string[], extra: JsonSchema = {}): JsonSchema {
  return { type: 'string', description, enum: values, ...extra };
}

/** A reference to one feature of a feature view: `<view>:<feature>`. */
export const FEATURE_REFERENCE_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?:[A-Za-z_][A-Za-z0-9_]*$';

const LABEL_MAP = map('Kubernetes-style labels, copied onto every object rendered from this document.', {
  type: 'string',
  maxLength: 63,
});

const ANNOTATION_MAP = map('Free-form annotations for people and tools.', { type: 'string' });

/** `metadata`, identical for every kind. */
export const METADATA = object(
  'Identity and ownership of the document.',
  {
    name: name('Unique among documents of this kind; a DNS-1123 label because it names Kubernetes objects.'),
    owner: text('The team accountable for this document; becomes its CODEOWNERS entry.', { minLength: 1 }),
    labels: LABEL_MAP,
    annotations: ANNOTATION_MAP,
  },
  ['name', 'owner'],
);

/** Wraps a kind's `spec` schema into a whole document schema. */
export function documentSchema(kind: string, description: string, spec: JsonSchema): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${SCHEMA_BASE_URL}/${fileNameOf(kind)}.json`,
    title: kind,
    ...object(
      description,
      {
        apiVersion: { const: API_VERSION, description: `Always \`${API_VERSION}\`.` },
        kind: { const: kind, description: `Always \`${kind}\`.` },
        metadata: METADATA,
        spec,
      },
      ['apiVersion', 'kind', 'metadata', 'spec'],
    ),
  };
}

/** `FeatureView` → `feature-view`: the schema file name for a kind. */
export function fileNameOf(kind: string): string {
  return kind.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}

/** A scalar a feature can hold; used for defaults, allowed values and slice filters. */
export const SCALAR: JsonSchema = { type: ['string', 'number', 'boolean'] };

/** URL forms an artifact store accepts: S3, HTTP(S) for reading, a `file://` URL or a relative directory. */
export const ARTIFACT_STORE_URL_PATTERN = '^(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\\s]*)?|https?://[^\\s]+|file:///[^\\s]*|[^:\\s]+)$';

/** Where model artifacts and training results are stored; declared by the Project, overridable per Environment. */
export function artifactStore(description: string): JsonSchema {
  return object(
    description,
    {
      url: text(
        '`s3://bucket/prefix` (AWS or any S3-compatible store), `https://host/prefix` (read only), `file:///dir`, or a directory relative to the repository root (the embedded default, `models`, which only this machine can read).',
        { pattern: ARTIFACT_STORE_URL_PATTERN, minLength: 1 },
      ),
      endpoint: text('An S3-compatible endpoint (MinIO, Ceph, R2, GCS interoperability), addressed path-style; AWS when omitted.', {
        pattern: '^https?://[^\\s]+$',
      }),
      credentialsSecret: name(
        'A Secret in each namespace whose keys (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, …) become environment variables of the pods that read or write the store; omit it to use the ServiceAccount’s identity (IRSA, workload identity) or the node’s.',
      ),
    },
    ['url'],
  );
}
