/**
 * The PR body: enough for a reviewer to decide from the PR alone. Why (summary), the evidence table
 * (observed, threshold, pass, and the PromQL or file behind each figure), charts in Mermaid, the
 * catalog diff, what the bot will and will not do, and the hidden marker that is the bot's memory.
 */
import type { FileChange } from '../edits/edit-files.js';
import { unifiedDiff } from '../../core/line-diff.js';
import type { EvidenceRow, Proposal } from '../proposals/proposal.js';
import { fitBody } from './body-limit.js';
import { formatMarker, markerFor } from './marker.js';

/** What the reconcile adds around a proposal. */
export interface BodyContext {
  /** The commit of the base branch the PR was generated from. */
  readonly baseSha: string;
  /** Edited catalog files, for the diff. */
  readonly changes: readonly FileChange[];
  /** Files under `dist/` that the re-render changed. */
  readonly renderedFiles: readonly string[];
  /** Notes for the reviewer (a person pushed, evidence changed, cluster not checked). */
  readonly notes: readonly string[];
  /** Links to dashboards or the repository, when known. */
  readonly links: readonly { readonly title: string; readonly url: string }[];
}

/** Renders the body of a proposal's PR; deterministic for the same inputs. */
export function renderBody(proposal: Proposal, context: BodyContext): string {
  const head: string[] = [`## ${proposal.title}`, '', proposal.summary, ''];
  for (const note of context.notes) head.push(`> [!NOTE]\n> ${note.replace(/\n/g, '\n> ')}`, '');
  head.push('### Evidence', '', evidenceTable(proposal.evidence), '');
  return fitBody(head, reviewAids(proposal, context), whatHappensNext(proposal, context));
}

// Queries, charts, diffs: what helps a reviewer check the evidence, and what may be cut for length.
function reviewAids(proposal: Proposal, context: BodyContext): string[] {
  const parts: string[] = [];
  const sources = proposal.evidence.filter((row) => row.source !== '');
  if (sources.length > 0) {
    parts.push('<details><summary>Queries and sources behind each figure</summary>', '');
    for (const row of sources) parts.push(`**${escapeCell(row.name)}**`, '', '```promql', row.source, '```', '');
    parts.push('</details>', '');
  }
  for (const chart of proposal.charts) parts.push(`### ${chart.title}`, '', '```mermaid', chart.mermaid, '```', '');
  parts.push('### Catalog changes', '');
  for (const change of context.changes) parts.push('```diff', unifiedDiff(change.before, change.after, `a/${change.file}`, `b/${change.file}`).trimEnd(), '```', '');
  if (context.renderedFiles.length > 0) {
    parts.push(`Re-rendered \`dist/\`: ${context.renderedFiles.length} file${context.renderedFiles.length === 1 ? '' : 's'} changed (${context.renderedFiles.slice(0, 8).map((file) => `\`${file}\``).join(', ')}${context.renderedFiles.length > 8 ? ', …' : ''}).`, '');
  }
  return parts;
}

function whatHappensNext(proposal: Proposal, context: BodyContext): string[] {
  const parts = ['### What happens next', ''];
  parts.push(
    proposal.autoMerge
      ? '- The policy allows auto-merge for this change: the bot merges it once required checks pass, so the cluster is made safe quickly.'
      : '- A person approves by merging. The bot never merges this PR.',
    '- The bot rebuilds this branch from the base only when it conflicts, its edits change or the base requires up-to-date branches, and updates this PR when the evidence changes. If you push to it, the bot leaves it to you; hand it back with the label `slipway/regenerate`.',
    `- Closing this PR unmerged declines \`${proposal.subject}\` for ${proposal.target}: it will not be proposed again for the same evidence.`,
    `- Generated from base \`${context.baseSha.slice(0, 12)}\`, proposal key \`${proposal.key}\`.`,
  );
  for (const link of context.links) parts.push(`- [${link.title}](${link.url})`);
  parts.push('', formatMarker(markerFor(proposal, context)), '');
  return parts;
}

function evidenceTable(rows: readonly EvidenceRow[]): string {
  const lines = ['| check | observed | threshold | result |', '|---|---|---|---|'];
  for (const row of rows) {
    const verdict = row.pass === null ? '➖ n/a' : row.pass ? '✅ pass' : '❌ fail';
    lines.push(`| ${escapeCell(row.name)} | ${escapeCell(String(row.observed ?? 'no data'))} | ${escapeCell(row.threshold)} | ${verdict} |`);
  }
  return lines.join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
