/**
 * Whether the pods serve what Git declares, from `slipway_model_info`: a canary is judged only on
 * metrics of the weights its card names. Pods that still serve the old bytes (the ConfigMap has not
 * reached them, a fetch keeps failing) or a window whose metrics came partly from other bytes are
 * no evidence for promoting or aborting; the decision waits and says why.
 */
import type { Deployment, ModelCard } from '../../core/catalog.js';

/** One version loaded in one pod, as `slipway_model_info` labels it. */
export interface ServedArtifact {
  /** The pod (its `pod` label, or the scrape `instance`). */
  readonly pod: string;
  readonly version: string;
  readonly sha256: string;
  readonly role: string;
  readonly weight: number;
}

/** What the pods of a deployment serve, read before a canary is judged. */
export interface ServedArtifacts {
  /** Every pod's loaded versions now. */
  readonly now: readonly ServedArtifact[];
  /** Each version and sha256 that served at any time in the analysis window. */
  readonly inWindow: readonly { readonly version: string; readonly sha256: string }[];
  /** The PromQL behind `now` and `inWindow`, for the reasons. */
  readonly queries: { readonly now: string; readonly inWindow: string };
  /** Why the pods' state is unknown, when a query failed. */
  readonly error?: string;
}

/**
 * Why the pods' metrics cannot judge the deployment's canary: one sentence per problem, none when
 * every pod serves Git's stable and canary bytes at Git's weight, and the window held no others.
 */
export function servedArtifactProblems(deployment: Deployment, card: ModelCard, served: ServedArtifacts): string[] {
  if (served.error !== undefined) return [`cannot read which weights the pods serve (${served.error}): ${served.queries.now}`];
  if (served.now.length === 0) return [`no pod of ${deployment.model} reports slipway_model_info, so nothing shows which weights serve: ${served.queries.now}`];
  const declared = declaredVersions(deployment, card);
  const problems: string[] = [];
  const pods = [...new Set(served.now.map((artifact) => artifact.pod))].sort();
  for (const pod of pods) {
    const loaded = served.now.filter((artifact) => artifact.pod === pod);
    for (const want of declared) {
      const found = loaded.find((artifact) => artifact.version === want.version);
      if (found === undefined) problems.push(`pod ${pod} does not serve ${want.role} ${want.version} yet (it serves ${describe(loaded)})`);
      else if (found.sha256 !== want.sha256) problems.push(`pod ${pod} serves ${want.version} with sha256 ${short(found.sha256)}, the card declares ${short(want.sha256)}`);
      else if (want.weight !== undefined && found.weight !== want.weight) problems.push(`pod ${pod} serves the canary ${want.version} at ${found.weight} %, Git declares ${want.weight} %`);
    }
  }
  for (const want of declared) {
    const others = served.inWindow.filter((artifact) => artifact.version === want.version && artifact.sha256 !== want.sha256).map((artifact) => short(artifact.sha256));
    if (others.length > 0) {
      problems.push(`in the analysis window ${want.version} was also served with sha256 ${others.sort().join(', ')} (the card declares ${short(want.sha256)}): its metrics mix artifacts; ${served.queries.inWindow}`);
    }
  }
  return problems;
}

interface DeclaredVersion {
  readonly role: 'stable' | 'canary';
  readonly version: string;
  readonly sha256: string;
  /** The canary's traffic weight; the stable's follows from it. */
  readonly weight?: number;
}

function declaredVersions(deployment: Deployment, card: ModelCard): DeclaredVersion[] {
  const sha256 = (version: string) => card.versions.get(version)?.artifact.sha256 ?? '';
  const declared: DeclaredVersion[] = [{ role: 'stable', version: deployment.stable, sha256: sha256(deployment.stable) }];
  if (deployment.canary !== undefined) declared.push({ role: 'canary', version: deployment.canary.version, sha256: sha256(deployment.canary.version), weight: deployment.canary.weight });
  return declared;
}

function describe(loaded: readonly ServedArtifact[]): string {
  return loaded.map((artifact) => `${artifact.version} as ${artifact.role}`).sort().join(', ');
}

function short(sha256: string): string {
  return sha256 === '' ? '(none)' : sha256.slice(0, 12);
}
