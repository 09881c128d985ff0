/**
 * `slipway checkout`: the repository for a Job's pod. Training and materialization pods carry no
 * catalog in their image; an init container clones the branch Argo CD syncs into the pod's volume,
 * and the job reads it there, read-only.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { inheritableEnvironment } from '../../controllers/git/bot-identity.js';
import type { CatalogPin } from '../../core/load/catalog-digest.js';
import { findCatalogCommit, MAX_COMMITS_SEARCHED, type RunGit } from '../checkout/find-catalog-commit.js';
import { type Command, parseFlags, UsageError, UserError } from '../command.js';

export const command: Command = {
  summary: "clone the project's repository for a job's pod (an init container)",
  usage: `
usage: slipway checkout --repository URL --dir DIR [--branch main] [--catalog-digest sha256:… --catalog-files A,B]

Clones URL's branch into DIR (which must not exist or be empty) and prints the commit. With
--catalog-digest and --catalog-files (rendered into every Job and CronJob: the documents the job
reads and their digest), checks out the newest commit where those documents have that digest:
the revision the object was rendered from, even when the branch moved on since Argo CD synced it. With SLIPWAY_GIT_TOKEN set, authenticates over HTTPS as GitHub
expects (x-access-token); the token comes from a Secret, never from the repository.`,
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      { repository: { type: 'string' }, dir: { type: 'string' }, branch: { type: 'string' }, 'catalog-digest': { type: 'string' }, 'catalog-files': { type: 'string' } },
      false,
    );
    const digest = values['catalog-digest'];
    if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest)) throw new UsageError(`--catalog-digest '${digest}' is not sha256:<64 hex>`);
    const files = values['catalog-files']?.split(',').filter((file) => file !== '') ?? [];
    if ((digest === undefined) !== (files.length === 0)) throw new UsageError('--catalog-digest and --catalog-files go together');
    if (positionals.length > 0 || values.repository === undefined || values.dir === undefined) throw new UsageError('checkout needs --repository and --dir');
    const dir = path.resolve(values.dir);
    const branch = values.branch ?? 'main';
    if (existsSync(path.join(dir, '.git'))) throw new UserError(`${dir} already holds a clone; a pod's checkout starts from an empty volume`);
    const config = authConfig(values.repository, process.env.SLIPWAY_GIT_TOKEN).flatMap((setting) => ['-c', setting]);
    // Git itself, not simple-git: a pod's checkout needs no plugin, and must never prompt.
    const env = { ...inheritableEnvironment(), GIT_TERMINAL_PROMPT: '0' };
    try {
      await git([...config, 'clone', '--quiet', '--branch', branch, '--single-branch', values.repository, dir], env);
    } catch (error) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      const stderr = (error as { stderr?: string }).stderr ?? (error as Error).message;
      const reason = stderr.trim().split('\n').filter((line) => line !== '').at(-1) ?? 'git failed';
      throw new UserError(`cannot clone ${values.repository} (branch ${branch}): ${reason}${values.repository.startsWith('http') ? ' (check the URL and SLIPWAY_GIT_TOKEN in the Secret slipway-git)' : ''}`);
    }
    const inClone = (gitArgs: readonly string[]) => git(['-C', dir, ...gitArgs], env);
    const sha = digest === undefined ? (await inClone(['rev-parse', 'HEAD'])).trim() : await checkOutCatalog(inClone, { digest, files }, `${values.repository} ${branch}`, dir);
    process.stderr.write(`checked out ${values.repository} ${branch} at ${sha} into ${dir}\n`);
    process.stdout.write(`${sha}\n`);
    return 0;
  },
};

/** Detaches the clone at the commit whose catalog has `digest`; refuses, removing the clone, when none has. */
async function checkOutCatalog(git: RunGit, pin: CatalogPin, what: string, dir: string): Promise<string> {
  const found = await findCatalogCommit(git, pin);
  if (found === null) {
    await rm(dir, { recursive: true, force: true });
    throw new UserError(
      `none of the newest ${MAX_COMMITS_SEARCHED} commits of ${what} holds the documents this object was rendered from (${pin.files.join(', ')} at ${pin.digest}); ` +
        'render from a committed catalog, commit dist/, and let Argo CD sync it',
    );
  }
  if (found.behind > 0) {
    await git(['checkout', '--quiet', '--detach', found.commit]);
    process.stderr.write(`the documents this object was rendered from are ${found.behind} commit(s) behind the branch head: using ${found.commit}\n`);
  }
  return found.commit;
}

async function git(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await promisify(execFile)('git', args, { env, encoding: 'utf8' });
  return stdout;
}

/** Git `-c` settings that send the token the way GitHub's HTTPS endpoint accepts it. */
function authConfig(url: string, token: string | undefined): string[] {
  if (token === undefined || token === '' || !/^https?:/.test(url)) return [];
  return [`http.extraHeader=Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`];
}
