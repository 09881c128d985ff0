/**
 * A new training result: when it clears the first environment's PromotionPolicy
 * (`promotion-judgement.ts`: absolute thresholds, no regression beyond the margin against the
 * version that environment serves, slice minimums) it
 * becomes the card's current version (the old one moves into history) and is deployed to the first
 * environment. A result that fails gets no PR; the reasons are reported instead.
 */
import type { Catalog, Environment, ModelCard, ModelVersion } from '../../core/catalog.js';
import type { TrainingResult } from '../../core/training-result.js';
import { compareVersions } from '../../core/units.js';
import { cardEdit, deploymentEdit, deploymentIndex, firstEnvironments } from './catalog-lookup.js';
import { cardFigures, holdingReasons, judgePromotionPolicy } from './promotion-judgement.js';
import { proposalKey, type Chart, type Decision, type EvidenceRow, type YamlEdit } from './proposal.js';

/** A training result and the file it was read from. */
export interface ResultEvidence {
  readonly result: TrainingResult;
  /** Where the result was read, shown as the source of its figures. */
  readonly origin: string;
}

/** Decides what a training result proposes. */
export function proposeNewVersion(catalog: Catalog, evidence: ResultEvidence): Decision {
  const { result, origin } = evidence;
  const card = catalog.models.get(result.model);
  const env = firstEnvironments(catalog).find((candidate) => deploymentIndex(candidate, result.model) !== -1);
  const { key, branch } = proposalKey('version', result.model, env?.name ?? 'none');
  if (card === undefined) return { kind: 'reject', key, reasons: [`${origin}: model '${result.model}' has no model card`] };
  if (env === undefined) return { kind: 'reject', key, reasons: [`${origin}: no first environment deploys '${result.model}'`] };
  if (card.versions.has(result.candidateVersion)) {
    return { kind: 'wait', key, reasons: [`version ${result.candidateVersion} is already in the card`] };
  }
  if (compareVersions(result.candidateVersion, card.current.version) <= 0) {
    return { kind: 'reject', key, reasons: [`${origin}: candidate ${result.candidateVersion} is not newer than the current ${card.current.version}`] };
  }
  const policy = env.promotion === undefined ? undefined : catalog.promotionPolicies.get(env.promotion.policy);
  const served = card.versions.get(env.deployments[deploymentIndex(env, card.name)].stable);
  // A new version has served nowhere yet: no soak and no alerts to judge, only its holdout figures.
  const judgement = judgePromotionPolicy(policy, {
    candidate: { version: result.candidateVersion, metrics: result.metrics, slices: result.slices, source: origin },
    incumbent: cardFigures(card, served),
  });
  if (judgement.failures.length > 0) return { kind: 'reject', key, reasons: holdingReasons(judgement.failures) };
  const rows: EvidenceRow[] =
    judgement.rows.length > 0 ? [...judgement.rows] : [{ name: 'promotion policy', observed: 'none', threshold: 'none declared', pass: null, source: env.declaredAt.file }];
  return {
    kind: 'propose',
    proposal: {
      key,
      branch,
      action: 'version',
      model: card.name,
      target: env.name,
      subject: result.candidateVersion,
      version: result.candidateVersion,
      title: `Add ${card.name} ${result.candidateVersion} and deploy it to ${env.name}`,
      summary:
        `Training run \`${result.triggerId}\` (commit \`${result.commit.slice(0, 12)}\`, finished ${result.finishedAt}) produced ` +
        `${card.name} ${result.candidateVersion}. It clears ${policy === undefined ? 'no declared policy' : `PromotionPolicy \`${policy.name}\``} ` +
        `for ${env.name}, so this PR makes it the card's current version (${card.current.version} moves into history) and ` +
        `deploys it to ${env.name}.`,
      evidence: rows,
      charts: [versionsChart(card, result)],
      edits: [...cardEdits(card, result), ...deploymentEdits(catalog, env, card.name, result.candidateVersion)],
      labels: ['slipway', 'slipway/version'],
      autoMerge: false,
    },
  };
}

function cardEdits(card: ModelCard, result: TrainingResult): YamlEdit[] {
  const current = card.current;
  const edits: YamlEdit[] = [
    cardEdit(card, 'set', ['version'], result.candidateVersion),
    cardEdit(card, 'set', ['artifact'], { uri: result.artifact.uri, format: result.artifact.format, sha256: result.artifact.sha256 }),
    cardEdit(card, 'set', ['metrics'], { ...result.metrics }),
    cardEdit(card, 'set', ['trainingData'], trainingData(result)),
    cardEdit(card, 'set', ['referenceProfile'], result.referenceProfile),
    cardEdit(card, 'set', ['createdAt'], result.finishedAt.slice(0, 10)),
  ];
  if (JSON.stringify(current.inputs.map((input) => input.ref)) !== JSON.stringify(result.inputs)) {
    edits.push(cardEdit(card, 'set', ['inputs'], [...result.inputs]));
  }
  current.slices.forEach((slice, index) => {
    const measured = result.slices.find((candidate) => candidate.name === slice.name);
    if (measured !== undefined) edits.push(cardEdit(card, 'set', ['slices', index, 'metrics'], { ...measured.metrics }));
  });
  edits.push(cardEdit(card, 'prepend', ['history'], historyEntry(current, result)));
  return edits;
}

function trainingData(result: TrainingResult): Record<string, unknown> {
  const data = result.trainingData;
  return { dataset: data.dataset, ...(data.description ? { description: data.description } : {}), rows: data.rows, from: data.from, to: data.to };
}

// History entries inherit inputs, training data and profile from the current version, so the
// outgoing version writes its own down wherever the new current version differs.
function historyEntry(current: ModelVersion, result: TrainingResult): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    version: current.version,
    artifact: { uri: current.artifact.uri, format: current.artifact.format, ...(current.artifact.sha256 ? { sha256: current.artifact.sha256 } : {}) },
  };
  const refs = current.inputs.map((input) => input.ref);
  if (JSON.stringify(refs) !== JSON.stringify(result.inputs)) entry.inputs = refs;
  entry.metrics = { ...current.metrics };
  if (current.slices.length > 0) entry.slices = current.slices.map((slice) => ({ name: slice.name, metrics: { ...slice.metrics } }));
  if (current.trainingData !== undefined && JSON.stringify(current.trainingData) !== JSON.stringify(result.trainingData)) {
    const data = current.trainingData;
    entry.trainingData = { dataset: data.dataset, ...(data.description ? { description: data.description } : {}), rows: data.rows, from: data.from, to: data.to };
  }
  if (current.referenceProfile !== undefined && JSON.stringify(current.referenceProfile) !== JSON.stringify(result.referenceProfile)) {
    entry.referenceProfile = current.referenceProfile;
  }
  if (current.createdAt !== undefined) entry.createdAt = current.createdAt;
  entry.notes = `Replaced by ${result.candidateVersion}.`;
  return entry;
}

/** The deployment edits that put `version` into `env`: as a canary when a RolloutPolicy applies. */
export function deploymentEdits(catalog: Catalog, env: Environment, model: string, version: string): YamlEdit[] {
  const deployment = env.deployments[deploymentIndex(env, model)];
  const rollout = deployment.rollout === undefined ? undefined : catalog.rolloutPolicies.get(deployment.rollout);
  if (rollout !== undefined && rollout.steps.length > 0) {
    return [deploymentEdit(env, model, 'set', ['canary'], { version, weight: rollout.steps[0].weight })];
  }
  const edits = [deploymentEdit(env, model, 'set', ['stable'], version)];
  if (deployment.canary !== undefined) edits.push(deploymentEdit(env, model, 'delete', ['canary']));
  return edits;
}

function versionsChart(card: ModelCard, result: TrainingResult): Chart {
  const versions = [...card.history].reverse().concat([card.current]);
  const labels = [...versions.map((version) => version.version), result.candidateVersion];
  const metrics = ['auc', 'f1'].filter((metric) => result.metrics[metric] !== undefined);
  const lines = metrics.map((metric) => `  line [${[...versions.map((version) => version.metrics[metric] ?? 0), result.metrics[metric]].join(', ')}]`);
  return {
    title: `${metrics.join(' and ')} across versions (line order: ${metrics.join(', ')})`,
    mermaid: [
      'xychart-beta',
      `  title "${card.name}: ${metrics.join(', ')} by version"`,
      `  x-axis [${labels.map((label) => `"${label}"`).join(', ')}]`,
      '  y-axis "holdout metric" 0 --> 1',
      ...lines,
    ].join('\n'),
  };
}

/** The environment a result would enter, for callers that report rejections. */
export function firstEnvironmentFor(catalog: Catalog, model: string): Environment | undefined {
  return firstEnvironments(catalog).find((candidate) => deploymentIndex(candidate, model) !== -1);
}
