/**
 * Loads a repository into a `Catalog`: read, parse, check each document against its schema,
 * resolve references between documents, and report every problem found in one pass.
 */
import path from 'node:path';
import type { Catalog, DriftPolicy, Entity, Environment, FeatureView, GuardrailPolicy, ModelCard, PromotionPolicy, RolloutPolicy } from '../catalog.js';
import { CatalogError, sortDiagnostics, type Diagnostic } from '../diagnostics.js';
import type { Kind } from '../schemas/index.js';
import type {
  DriftPolicyDocument,
  EntityDocument,
  GuardrailPolicyDocument,
  EnvironmentDocument,
  FeatureViewDocument,
  ModelCardDocument,
  ProjectDocument,
  PromotionPolicyDocument,
  RolloutPolicyDocument,
} from '../schemas/documents.generated.js';
import { checkEnvelope, checkSchema } from './check-schema.js';
import { type Located, ResolveContext } from './context.js';
import { PROJECT_FILE, isDirectory, listDocumentFiles } from './discover.js';
import { parseFiles, type SourceFile } from './parse-files.js';
import type { ParsedDocument } from './parse-yaml.js';
import { readSourceFile } from './read-source.js';
import { resolveEntity, resolveFeatureView } from './resolve-features.js';
import { resolveModelCard } from './resolve-models.js';
import { checkPromotionCycles, resolveEnvironment, resolveProject } from './resolve-environments.js';
import { resolveDriftPolicy, resolveGuardrailPolicy, resolvePromotionPolicy, resolveRolloutPolicy } from './resolve-policies.js';
import { checkTaskMetrics } from './check-task-metrics.js';
import { checkGuardrails } from '../guardrails/check-guardrails.js';
import { readServedVersions } from '../guardrails/served-history.js';

/** A loaded repository, or every problem that stops it from loading. */
export type LoadResult =
  | { readonly ok: true; readonly catalog: Catalog; readonly documents: number }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[]; readonly documents: number };

/** Loads the repository at `root`; never throws for problems in the repository itself. */
export async function loadCatalog(root: string): Promise<LoadResult> {
  const absoluteRoot = path.resolve(root);
  if (!(await isDirectory(absoluteRoot))) {
    return { ok: false, documents: 0, diagnostics: [{ file: root, line: 1, column: 1, path: '', message: 'not a directory', rule: 'file-missing' }] };
  }
  const context = new ResolveContext();
  const { documents, blobs } = await readDocuments(absoluteRoot, context);
  const byKind = checkDocuments(documents, context);
  const catalog = resolveAll(absoluteRoot, blobs, byKind, context);
  if (catalog !== null && context.diagnostics.length === 0 && catalog.guardrailPolicies.size > 0) {
    context.diagnostics.push(...checkGuardrails(catalog, await readServedVersions(catalog)));
  }
  if (catalog === null || context.diagnostics.length > 0) {
    return { ok: false, documents: documents.length, diagnostics: sortDiagnostics(context.diagnostics) };
  }
  return { ok: true, documents: documents.length, catalog: deepFreeze(catalog) };
}

/** Loads the repository at `root` or throws a `CatalogError` listing every problem. */
export async function loadCatalogOrThrow(root: string): Promise<Catalog> {
  const result = await loadCatalog(root);
  if (!result.ok) throw new CatalogError(result.diagnostics);
  return result.catalog;
}

async function readDocuments(root: string, context: ResolveContext): Promise<{ documents: ParsedDocument[]; blobs: Map<string, string> }> {
  const files = await listDocumentFiles(root);
  const texts = await Promise.all(files.map((file) => readSourceFile(root, file)));
  const sources: SourceFile[] = [];
  const blobs = new Map<string, string>();
  files.forEach((file, index) => {
    const source = texts[index];
    if (source.ok) {
      sources.push({ file, text: source.text });
      blobs.set(file, source.blobId);
    } else {
      context.diagnostics.push(source.diagnostic);
    }
  });
  const documents: ParsedDocument[] = [];
  for (const parsed of await parseFiles(sources)) {
    context.diagnostics.push(...parsed.diagnostics);
    documents.push(...parsed.documents);
  }
  return { documents, blobs };
}

type ByKind = Map<Kind, Located<never>[]>;

function checkDocuments(documents: readonly ParsedDocument[], context: ResolveContext): ByKind {
  const byKind: ByKind = new Map();
  const firstDeclaration = new Map<string, ParsedDocument>();
  for (const document of documents) {
    const kind = checkEnvelope(document, (diagnostic) => context.diagnostics.push(diagnostic));
    if (kind === null) continue;
    if (kind === 'Project' && document.file !== PROJECT_FILE) {
      context.report(document, ['kind'], `the Project document belongs in ${PROJECT_FILE} at the repository root`, 'project');
      continue;
    }
    const valid = checkSchema(document, kind, (diagnostic) => context.diagnostics.push(diagnostic));
    const name = (document.value.metadata as { name?: unknown } | undefined)?.name;
    if (typeof name === 'string') {
      const key = `${kind}/${name}`;
      const first = firstDeclaration.get(key);
      if (first !== undefined) {
        context.report(document, ['metadata', 'name'], `${kind} '${name}' is already defined at ${first.file}:${first.start.line}`, 'duplicate-name');
        continue;
      }
      firstDeclaration.set(key, document);
      context.declare(kind, name, !valid);
    }
    if (!valid) continue;
    const list = byKind.get(kind) ?? [];
    list.push({ document, raw: document.value as never });
    byKind.set(kind, list);
  }
  return byKind;
}

function resolveAll(root: string, documentBlobs: ReadonlyMap<string, string>, byKind: ByKind, context: ResolveContext): Catalog | null {
  const located = <T>(kind: Kind) => (byKind.get(kind) ?? []) as Located<T>[];
  // A document that fails to resolve is marked broken, so references to it are not reported again.
  const resolveKind = <D, T extends { name: string }>(kind: Kind, resolve: (doc: Located<D>) => T | null): Map<string, T> => {
    const resolved = new Map<string, T>();
    for (const doc of located<D>(kind)) {
      const item = resolve(doc);
      if (item === null) context.declare(kind, (doc.raw as { metadata: { name: string } }).metadata.name, true);
      else resolved.set(item.name, item);
    }
    return resolved;
  };

  const projects = located<ProjectDocument>('Project');
  if (projects.length > 1) {
    context.report(projects[1].document, ['kind'], `${PROJECT_FILE} must hold exactly one Project document`, 'project');
  }
  const project = projects.length > 0 ? resolveProject(projects[0], context) : null;

  const entities = resolveKind<EntityDocument, Entity>('Entity', resolveEntity);
  const featureViews = resolveKind<FeatureViewDocument, FeatureView>('FeatureView', (doc) => resolveFeatureView(doc, entities, context));
  const models = resolveKind<ModelCardDocument, ModelCard>('ModelCard', (doc) => resolveModelCard(doc, featureViews, context));
  const promotionPolicies = resolveKind<PromotionPolicyDocument, PromotionPolicy>('PromotionPolicy', resolvePromotionPolicy);
  const rolloutPolicies = resolveKind<RolloutPolicyDocument, RolloutPolicy>('RolloutPolicy', (doc) => resolveRolloutPolicy(doc, context));
  const driftPolicies = resolveKind<DriftPolicyDocument, DriftPolicy>('DriftPolicy', (doc) => resolveDriftPolicy(doc, context));

  if (project === null) return null; // the problems are already reported; environments need its images
  const environmentDocuments = located<EnvironmentDocument>('Environment');
  checkPromotionCycles(environmentDocuments, context);
  const references = {
    project,
    models,
    environmentNames: context.declared.get('Environment') ?? new Set<string>(),
    promotionPolicies,
    rolloutPolicies,
    driftPolicies,
  };
  const environments = resolveKind<EnvironmentDocument, Environment>('Environment', (doc) => resolveEnvironment(doc, references, context));
  checkTaskMetrics(
    { promotionPolicies: located<PromotionPolicyDocument>('PromotionPolicy'), rolloutPolicies: located<RolloutPolicyDocument>('RolloutPolicy'), environments, models },
    context,
  );
  const guardrailPolicies = resolveKind<GuardrailPolicyDocument, GuardrailPolicy>('GuardrailPolicy', (doc) => resolveGuardrailPolicy(doc, references.environmentNames, context));
  return { root, documentBlobs, project, entities, featureViews, models, environments, promotionPolicies, rolloutPolicies, driftPolicies, guardrailPolicies };
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (value instanceof Map) {
    for (const item of value.values()) deepFreeze(item);
  } else {
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return Object.freeze(value);
}
