/**
 * The one comment the bot posts when the forge refuses to auto-merge a PR: what GitHub said and
 * what a person should do. A hidden tag names the reason, so the bot finds its earlier comment and
 * never says the same thing twice (the PR's comments are its memory, as the body's marker is).
 */
import type { AutoMergeRefusal } from '../forge/forge.js';

const TAG = (reason: AutoMergeRefusal) => `<!-- slipway:automerge-refused ${reason} -->`;

const ADVICE: Record<AutoMergeRefusal, string> = {
  'auto-merge-not-allowed':
    'This repository does not allow auto-merge (GitHub\'s default), and the PR cannot be merged yet. To let GitHub merge it as soon as the required checks pass, enable **Settings → General → Pull Requests → Allow auto-merge**; until then the bot tries a direct merge on every reconcile, or a person merges it.',
  'merge-method-not-allowed':
    'None of the merge methods the bot uses (merge commit, then squash, then rebase) is allowed here. Allow one under **Settings → General → Pull Requests**, or merge this PR by hand.',
  'base-modified': 'The base branch moved while GitHub merged. The bot tries again on the next reconcile; nothing is needed unless this repeats.',
  'head-moved':
    'The branch head is not the commit the bot wrote, so the bot will not merge it: it merges only what it proposed. Review the new commits and merge by hand, or hand the branch back to the bot with the label `slipway/regenerate` (it rebuilds the branch without them).',
  'not-mergeable': 'GitHub blocks the merge (a review, a conflict or a rule). Resolve it and merge by hand; the bot does not override branch protection.',
};

/** The comment for a refusal. */
export function autoMergeRefusalComment(reason: AutoMergeRefusal, message: string): string {
  return `${TAG(reason)}\n**Auto-merge was refused** (\`${reason}\`): ${message}\n\n${ADVICE[reason]}\n`;
}

/** Whether one of `comments` already explains this refusal. */
export function refusalExplained(comments: readonly string[], reason: AutoMergeRefusal): boolean {
  return comments.some((comment) => comment.includes(TAG(reason)));
}
