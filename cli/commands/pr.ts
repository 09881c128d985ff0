/**
 * `slipway pr`: review the local forge's pull requests from a terminal: list, show, merge, close.
 * Merging is a person's decision; this is how a person makes it without GitHub.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { parseMarker } from '../../controllers/body/marker.js';
import { LocalForge } from '../../controllers/forge/local/local-forge.js';
import type { PullRecord } from '../../controllers/forge/local/pull-record.js';
import { type Command, oneOf, parseFlags, UsageError, UserError } from '../command.js';

const ACTIONS = ['list', 'show', 'merge', 'close'] as const;

export const command: Command = {
  summary: 'list, show, merge or close the local forge’s pull requests',
  usage: `
usage: slipway pr list [--format text|json] [--repo PATH]
       slipway pr show N [--repo PATH]
       slipway pr merge N [--repo PATH]
       slipway pr close N [--repo PATH]

The local forge keeps each pull request as a branch plus a record in refs/slipway/pulls/<N>.
  list     open PRs first, then the rest, newest first (--format json: every field)
  show     the PR's body (evidence, charts, catalog diff), comments and its diff against the base
  merge    merge the PR's branch into its base with a merge commit (the working tree must be clean
           when the base is checked out)
  close    close it unmerged: the bot will not propose the same thing again for that environment`,
  async run(args) {
    const { values, positionals } = parseFlags(args, { format: { type: 'string' }, repo: { type: 'string' } });
    const action = positionals[0];
    if (action === undefined || !(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`pr needs one of ${ACTIONS.join(', ')}`);
    const root = path.resolve(values.repo ?? '.');
    if (!existsSync(path.join(root, '.git')) && !existsSync(path.join(root, 'HEAD'))) throw new UserError(`${root} is not a Git repository`);
    const forge = new LocalForge(root);
    if (action === 'list') {
      if (positionals.length > 1) throw new UsageError('pr list takes no number');
      return list(forge, oneOf('format', values.format, ['text', 'json'] as const, 'text'));
    }
    if (positionals.length !== 2 || !/^\d+$/.test(positionals[1])) throw new UsageError(`pr ${action} needs a PR number`);
    const number = Number(positionals[1]);
    const record = await forge.record(number);
    if (record === null) throw new UserError(`there is no pull request #${number} in ${root}`);
    if (action === 'show') return show(root, record);
    try {
      if (action === 'merge') {
        const merged = await forge.merge(number);
        process.stdout.write(`merged #${number} (${merged.branch}) into ${merged.base} as ${merged.mergedSha?.slice(0, 12)}\n`);
      } else {
        await forge.close(number);
        process.stdout.write(`closed #${number} (${record.branch}) unmerged\n`);
      }
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    return 0;
  },
};

async function list(forge: LocalForge, format: 'text' | 'json'): Promise<number> {
  const order = { open: 0, merged: 1, closed: 2 } as const;
  const records = (await forge.records()).sort((a, b) => order[a.state] - order[b.state] || b.number - a.number);
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(records.map((record) => ({ ...record, proposal: parseMarker(record.body) })), null, 2)}\n`);
    return 0;
  }
  if (records.length === 0) process.stderr.write('no pull requests\n');
  for (const record of records) process.stdout.write(`#${String(record.number).padEnd(4)} ${record.state.padEnd(7)} ${record.branch.padEnd(44)} ${record.title}\n`);
  return 0;
}

async function show(root: string, record: PullRecord): Promise<number> {
  const lines = [`#${record.number} ${record.title}`, `${record.state} · ${record.branch} → ${record.base} · labels: ${record.labels.join(', ') || 'none'} · opened ${record.createdAt}`, '', record.body.trim()];
  for (const comment of record.comments) lines.push('', `--- ${comment.author}, ${comment.at}`, comment.text);
  if (record.state === 'open') {
    try {
      const git = simpleGit(root);
      const stat = await git.raw(['diff', '--stat', `${record.base}...${record.branch}`]);
      lines.push('', `--- changes (${record.base}...${record.branch})`, stat.trimEnd());
    } catch {
      lines.push('', `--- branch ${record.branch} is gone`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
