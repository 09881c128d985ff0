/** Resolves `ModelCard` documents: every version, with inputs tied to their feature views. */
import type { Distribution, FeatureView, ModelCard, ModelInput, ModelVersion, ReferenceProfile, Scalar, Slice } from '../catalog.js';
import type { ModelCardDocument } from '../schemas/documents.generated.js';
import { compareVersions, parseDuration } from '../units.js';
import { metaOf, type Located, type ResolveContext } from './context.js';
import { didYouMean } from './did-you-mean.js';
import type { PathSegments } from './locate.js';
import type { ParsedDocument } from './parse-yaml.js';

type Spec = ModelCardDocument['spec'];
type VersionFields = Pick<Spec, 'artifact' | 'inputs' | 'metrics' | 'slices' | 'trainingData' | 'referenceProfile' | 'createdAt'>;

/** A `ModelCard` as the catalog holds it, or null when a version does not resolve. */
export function resolveModelCard(
  located: Located<ModelCardDocument>,
  featureViews: ReadonlyMap<string, FeatureView>,
  context: ResolveContext,
): ModelCard | null {
  const { document, raw } = located;
  const { spec } = raw;
  const resolveInputs = (refs: readonly string[], at: PathSegments) => resolveModelInputs(refs, featureViews, context, document, at);

  const currentInputs = resolveInputs(spec.inputs, ['spec', 'inputs']);
  if (currentInputs === null) return null;
  const current = resolveVersion(spec.version, spec, currentInputs, ['spec'], document, context);
  if (current === null) return null;
  const history: ModelVersion[] = [];
  const versions = new Map<string, ModelVersion>([[spec.version, current]]);
  let sound = true;
  (spec.history ?? []).forEach((entry, index) => {
    const at = ['spec', 'history', index];
    if (versions.has(entry.version)) {
      context.report(document, [...at, 'version'], `version ${entry.version} appears more than once in the card`, 'duplicate-version');
      sound = false;
      return;
    }
    if (compareVersions(entry.version, spec.version) >= 0) {
      context.report(document, [...at, 'version'], `history version ${entry.version} must be older than the current version ${spec.version}`, 'version-order');
      sound = false;
    }
    const inputs = entry.inputs === undefined ? currentInputs : resolveInputs(entry.inputs, [...at, 'inputs']);
    // As the schema documents: inputs, training data and profile default to the current version's
    // (the bot writes them into a history entry only where they differ).
    const entryInputs = entry.inputs ?? spec.inputs;
    const referenceProfile = entry.referenceProfile ?? profileForInputs(spec.referenceProfile, entryInputs);
    const inherited = { ...entry, inputs: entryInputs, trainingData: entry.trainingData ?? spec.trainingData, referenceProfile };
    const resolved = inputs === null ? null : resolveVersion(entry.version, inherited, inputs, at, document, context, entry.notes);
    if (resolved === null) {
      sound = false;
      return;
    }
    history.push(resolved);
    versions.set(entry.version, resolved);
  });
  if (!sound) return null;

  const training = spec.training;
  return {
    ...metaOf('ModelCard', located),
    task: spec.task,
    modelType: spec.modelType,
    purpose: spec.purpose,
    intendedUse: spec.intendedUse,
    outOfScopeUses: spec.outOfScopeUses ?? [],
    output: {
      threshold: spec.output?.threshold ?? 0.5,
      classes: (spec.output?.classes as [string, string] | undefined) ?? ['negative', 'positive'],
    },
    training: {
      image: training.image,
      command: training.command,
      schedule: training.schedule,
      windowMs: parseDuration(training.window)!,
      holdoutMs: training.holdout === undefined ? undefined : parseDuration(training.holdout)!,
      label: training.label,
      triggerId: training.triggerId,
      parameters: (training.parameters ?? {}) as Record<string, Scalar>,
    },
    limitations: spec.limitations ?? [],
    ethics: { considerations: spec.ethics?.considerations ?? [], fairnessMetrics: spec.ethics?.fairnessMetrics ?? {} },
    maintenance: spec.maintenance ?? {},
    current,
    versions,
    history,
  };
}

/** Resolves `<view>:<feature>` references; reports each one that does not exist. */
export function resolveModelInputs(
  refs: readonly string[],
  featureViews: ReadonlyMap<string, FeatureView>,
  context: ResolveContext,
  document: ParsedDocument,
  at: PathSegments,
): ModelInput[] | null {
  const inputs: ModelInput[] = [];
  let sound = true;
  refs.forEach((ref, index) => {
    const [viewName, featureName] = ref.split(':');
    if (!context.checkReference(featureViews, 'FeatureView', viewName, document, [...at, index])) {
      sound = false;
      return;
    }
    const view = featureViews.get(viewName)!;
    const feature = view.features.find((candidate) => candidate.name === featureName);
    if (feature === undefined) {
      const names = view.features.map((candidate) => candidate.name);
      context.report(document, [...at, index], `feature view '${viewName}' has no feature '${featureName}'${didYouMean(featureName, names)}`, 'reference');
      sound = false;
      return;
    }
    inputs.push({
      ref,
      view: viewName,
      feature: featureName,
      dtype: feature.dtype,
      default: feature.default,
      joinKeys: view.joinKeys,
      online: view.online,
    });
  });
  return sound ? inputs : null;
}

function resolveVersion(
  version: string,
  fields: VersionFields,
  inputs: ModelInput[],
  at: PathSegments,
  document: ParsedDocument,
  context: ResolveContext,
  notes = '',
): ModelVersion | null {
  const refs = new Set(inputs.map((input) => input.ref));
  let sound = true;
  const report = (segments: PathSegments, message: string, rule: string) => {
    context.report(document, [...at, ...segments], message, rule);
    sound = false;
  };
  const slices: Slice[] = (fields.slices ?? []).map((slice, index) => {
    slice.where?.forEach((filter, filterIndex) => {
      if (!refs.has(filter.input)) report(['slices', index, 'where', filterIndex, 'input'], `slice filter input '${filter.input}' is not an input of version ${version}`, 'reference');
    });
    return { name: slice.name, description: slice.description ?? '', where: (slice.where ?? []) as Slice['where'], metrics: slice.metrics ?? {} };
  });
  const data = fields.trainingData;
  if (data !== undefined) {
    for (const field of ['from', 'to'] as const) {
      if (Number.isNaN(Date.parse(`${data[field]}T00:00:00Z`))) report(['trainingData', field], `'${data[field]}' is not a calendar date`, 'date');
    }
    if (data.from > data.to) report(['trainingData', 'from'], `the data window starts (${data.from}) after it ends (${data.to})`, 'date');
  }
  const profile = fields.referenceProfile === undefined ? undefined : resolveProfile(fields.referenceProfile, refs, (segments, message) => report(['referenceProfile', ...segments], message, 'reference-profile'));
  if (!sound) return null;
  return {
    version,
    artifact: fields.artifact,
    inputs,
    metrics: fields.metrics,
    slices,
    trainingData: data === undefined ? undefined : { description: '', ...data },
    referenceProfile: profile,
    createdAt: fields.createdAt,
    notes,
  };
}

type ProfileDocument = NonNullable<Spec['referenceProfile']>;

// An inherited profile keeps only the inputs the older version has.
function profileForInputs(profile: ProfileDocument | undefined, inputs: readonly string[]): ProfileDocument | undefined {
  if (profile === undefined) return undefined;
  return { ...profile, inputs: Object.fromEntries(Object.entries(profile.inputs).filter(([ref]) => inputs.includes(ref))) };
}
type DistributionDocument = NonNullable<ProfileDocument['score']>;

function resolveProfile(
  profile: ProfileDocument,
  inputRefs: ReadonlySet<string>,
  report: (segments: PathSegments, message: string) => void,
): ReferenceProfile {
  const inputs: Record<string, Distribution> = {};
  for (const [ref, distribution] of Object.entries(profile.inputs)) {
    if (!inputRefs.has(ref)) report(['inputs', ref], `profile of '${ref}', which is not an input of this version${didYouMean(ref, inputRefs)}`);
    const resolved = resolveDistribution(distribution, (segments, message) => report(['inputs', ref, ...segments], message));
    if (resolved !== null) inputs[ref] = resolved;
  }
  const score = profile.score === undefined ? undefined : resolveDistribution(profile.score, (segments, message) => report(['score', ...segments], message)) ?? undefined;
  return { rows: profile.rows, inputs, score };
}

function resolveDistribution(distribution: DistributionDocument, report: (segments: PathSegments, message: string) => void): Distribution | null {
  if (distribution.type === 'categorical') {
    if (distribution.frequencies === undefined) {
      report([], "a categorical distribution needs 'frequencies'");
      return null;
    }
    return { type: 'categorical', frequencies: distribution.frequencies };
  }
  const { edges, fractions } = distribution;
  if (edges === undefined || fractions === undefined) {
    report([], "a numeric distribution needs 'edges' and 'fractions'");
    return null;
  }
  if (fractions.length !== edges.length - 1) {
    report(['fractions'], `${edges.length} edges make ${edges.length - 1} bins, but ${fractions.length} fractions are given`);
    return null;
  }
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i] > edges[i - 1])) {
      report(['edges', i], `edges must increase (${edges[i - 1]} then ${edges[i]})`);
      return null;
    }
  }
  return { type: 'numeric', edges, fractions };
}
