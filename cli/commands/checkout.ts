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
import { type Command, parseFlags, UsageError, UserError } from '../command.js';

export const command: Command = {
  summary: "clone the project's repository for a job's pod (an init container)",
  usage: `
usage: slipway checkout --repository URL --dir DIR [--branch main]

Clones URL's branch into DIR (which must not exist or be empty) and prints the commit. With
SLIPWAY_GIT_TOKEN set, authenticates over HTTPS as GitHub expects (x-access-token); the token
comes from a Secret, never from the repository.`,
  async run(args) {
    const { values, positionals } = parseFlags(args, { repository: { type: 'string' }, dir: { type: 'string' }, branch: { type: 'string' } }, false);
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
    const sha = (await git(['-C', dir, 'rev-parse', 'HEAD'], env)).trim();
    process.stderr.write(`checked out ${values.repository} ${branch} at ${sha} into ${dir}\n`);
    process.stdout.write(`${sha}\n`);
    return 0;
  },
};

async function git(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await promisify(execFile)('git', args, { env, encoding: 'utf8' });
  return stdout;
}

/** Git `-c` settings that send the token the way GitHub's HTTPS endpoint accepts it. */
function authConfig(url: string, token: string | undefined): string[] {
  if (token === undefined || token === '' || !/^https?:/.test(url)) return [];
  return [`http.extraHeader=Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`];
}
