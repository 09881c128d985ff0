/**
 * The bot's memory lives in its PR bodies: a hidden HTML comment with the proposal's key, subject,
 * fingerprint and evidence figures. Any forge that stores a PR body can therefore answer "was this
 * declined?", "what changed?" and "which version was rolled back?" without a database.
 */
import { createHash } from 'node:crypto';
import type { Proposal } from '../proposals/proposal.js';

/** What the bot remembers about a proposal in its PR. */
export interface ProposalMarker {
  readonly key: string;
  readonly subject: string;
  readonly fingerprint: string;
  /** Fingerprint plus base commit and notes: while it holds, the PR body is left as it is. */
  readonly basis?: string;
  readonly version?: string;
  readonly rollsBack?: string;
  /** Evidence row name → observed figure, to say what changed on the next update. */
  readonly evidence: Readonly<Record<string, string>>;
}

const PREFIX = '<!-- slipway:proposal ';
const SUFFIX = ' -->';

/**
 * The marker of a proposal. The fingerprint covers the edits, the subject and each row's verdict,
 * not the figures themselves: metrics wobble between runs, and a PR must not churn with them.
 */
export function markerFor(proposal: Proposal, context: { readonly baseSha: string; readonly notes: readonly string[] } | null = null): ProposalMarker {
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ subject: proposal.subject, edits: proposal.edits, verdicts: proposal.evidence.map((row) => [row.name, row.pass]) }))
    .digest('hex')
    .slice(0, 16);
  const evidence: Record<string, string> = {};
  for (const row of proposal.evidence) evidence[row.name] = String(row.observed ?? 'no data');
  return {
    key: proposal.key,
    subject: proposal.subject,
    fingerprint,
    ...(context === null ? {} : { basis: createHash('sha256').update(JSON.stringify([fingerprint, context.baseSha, context.notes])).digest('hex').slice(0, 16) }),
    ...(proposal.version !== undefined ? { version: proposal.version } : {}),
    ...(proposal.rollsBack !== undefined ? { rollsBack: proposal.rollsBack } : {}),
    evidence,
  };
}

/** The marker as the last line of a PR body. */
export function formatMarker(marker: ProposalMarker): string {
  return `${PREFIX}${JSON.stringify(marker).replace(/--/g, '\\u002d\\u002d')}${SUFFIX}`;
}

/** Reads the marker back from a PR body; `null` for PRs the bot did not write. */
export function parseMarker(body: string | null | undefined): ProposalMarker | null {
  if (!body) return null;
  const start = body.lastIndexOf(PREFIX);
  if (start === -1) return null;
  const end = body.indexOf(SUFFIX, start + PREFIX.length);
  if (end === -1) return null;
  try {
    const value = JSON.parse(body.slice(start + PREFIX.length, end)) as ProposalMarker;
    return typeof value.key === 'string' && typeof value.subject === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** Lines saying which evidence figures changed between two markers. */
export function describeChanges(before: ProposalMarker, after: ProposalMarker): string[] {
  const lines: string[] = [];
  if (before.subject !== after.subject) lines.push(`subject: ${before.subject} → ${after.subject}`);
  for (const [name, value] of Object.entries(after.evidence)) {
    const old = before.evidence[name];
    if (old === undefined) lines.push(`${name}: new, ${value}`);
    else if (old !== value) lines.push(`${name}: ${old} → ${value}`);
  }
  for (const name of Object.keys(before.evidence)) if (!(name in after.evidence)) lines.push(`${name}: no longer measured`);
  return lines;
}
