/** The demo's last word: every pull request with its evidence in one line, and where to look. */
import type { PullRecord } from '../../controllers/forge/local/pull-record.js';

/** One evidence row as the PR body's table shows it. */
interface EvidenceLine {
  readonly name: string;
  readonly observed: string;
  readonly threshold: string;
  readonly verdict: 'pass' | 'fail' | 'n/a';
}

/** The evidence rows of a PR body (`| name | observed | threshold | ✅ pass |`). */
export function evidenceOf(body: string): EvidenceLine[] {
  const rows: EvidenceLine[] = [];
  for (const line of body.split('\n')) {
    const match = /^\| (.+?) \| (.*?) \| (.*?) \| (✅ pass|❌ fail|➖ n\/a) \|$/.exec(line);
    if (match === null) continue;
    rows.push({ name: match[1], observed: match[2], threshold: match[3], verdict: match[4].endsWith('pass') ? 'pass' : match[4].endsWith('fail') ? 'fail' : 'n/a' });
  }
  return rows;
}

/** One line of evidence: what failed, or how many checks passed and the headline figures. */
export function summarizeEvidence(body: string): string {
  const rows = evidenceOf(body);
  if (rows.length === 0) return '(no evidence table)';
  // A rollback's reason (the degradation against the previous version) leads; drift rows follow.
  const failed = rows.filter((row) => row.verdict === 'fail').sort((a, b) => Number(/increase|error rate/.test(b.name)) - Number(/increase|error rate/.test(a.name)));
  if (failed.length > 0) return `❌ ${failed.slice(0, 3).map((row) => `${row.name} ${row.observed} (${row.threshold})`).join('; ')}${failed.length > 3 ? '; …' : ''}`;
  const passed = rows.filter((row) => row.verdict === 'pass');
  const headline = passed.slice(0, 2).map((row) => `${row.name} ${row.observed}`).join(', ');
  return `✅ ${passed.length}/${rows.length} pass${headline === '' ? '' : `: ${headline}`}`;
}

/** The kind of a bot PR from its branch `slipway/<action>/<model>/<env>`. */
export function kindOf(record: PullRecord): string {
  const [, action, , env] = record.branch.split('/');
  return `${action ?? '?'}/${env ?? '?'}`;
}

/** The table, oldest PR first. */
export function prTable(records: readonly PullRecord[], width = 140): string {
  const sorted = [...records].sort((a, b) => a.number - b.number);
  const header = ['#', 'kind', 'state', 'title', 'evidence'];
  const rows = sorted.map((record) => [`#${record.number}`, kindOf(record), record.state, record.title, summarizeEvidence(record.body)]);
  const widths = header.map((name, index) => Math.max(name.length, ...rows.map((row) => row[index].length)));
  const fixed = widths.slice(0, 4).reduce((sum, one) => sum + one + 2, 0);
  widths[4] = Math.max(20, Math.min(widths[4], width - fixed));
  const line = (cells: string[]) => cells.map((cell, index) => fit(cell, widths[index])).join('  ').trimEnd();
  return [line(header), line(widths.map((one) => '-'.repeat(one))), ...rows.map(line)].join('\n');
}

function fit(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  return `${text.slice(0, width - 1)}…`;
}
