/**
 * When the bot rebuilds a proposal branch from the base, and when it leaves it as it is. Rebuilding
 * force-pushes, which dismisses approvals where "dismiss stale approvals" is on, so a base that
 * merely moved is no reason: only a branch that is missing, handed back, carries other edits,
 * conflicts with the base, or sits on a base that requires up-to-date branches is rebuilt.
 */
import { createHash } from 'node:crypto';
import type { YamlEdit } from './proposals/proposal.js';

/** What the reconcile knows of a proposal's branch; the costly checks are asked only when needed. */
export interface BranchFacts {
  /** The branch's bot commit, or `null` when there is no branch. */
  readonly head: string | null;
  /** The commit the branch was built on (its commit's one parent), or `null`. */
  readonly builtOn: string | null;
  /** The branch commit's message (its `Slipway-Input` trailer says what it was built from). */
  readonly message: string;
  /** The base branch's commit now. */
  readonly baseSha: string;
  /** A person asked for a rebuild (`slipway/regenerate`). */
  readonly handedBack: boolean;
  /** Whether the branch merges into the base without conflicts. */
  mergesCleanly(): Promise<boolean>;
  /** Whether the base takes only up-to-date branches. */
  requiresUpToDate(): Promise<boolean>;
}

/** The `Slipway-Input` of a branch commit: the base it was built on and the edits it applies. */
export function branchInput(builtOn: string, edits: readonly YamlEdit[]): string {
  return createHash('sha256').update(JSON.stringify([builtOn, edits])).digest('hex').slice(0, 24);
}

/** Why the branch must be rebuilt from the base now, or `null` to keep it as it is. */
export async function rebuildReason(facts: BranchFacts, edits: readonly YamlEdit[]): Promise<string | null> {
  if (facts.head === null || facts.builtOn === null) return 'there is no branch yet';
  if (facts.handedBack) return 'a person handed the branch back';
  if (!facts.message.includes(`Slipway-Input: ${branchInput(facts.builtOn, edits)}`)) return 'its edits changed';
  if (facts.builtOn === facts.baseSha) return null;
  if (!(await facts.mergesCleanly())) return 'it conflicts with the base';
  if (await facts.requiresUpToDate()) return 'the base requires branches to be up to date';
  return null;
}
