/**
 * Who the bot commits as; commits by anyone else on a bot branch mean a person took it over. On
 * GitHub that is the account its credentials belong to, in GitHub's no-reply form (an App's
 * `<id>+<slug>[bot]@users.noreply.github.com`), so commits link to the bot and no real-looking
 * address is invented; `SLIPWAY_BOT_NAME` and `SLIPWAY_BOT_EMAIL` set it explicitly.
 */
export interface BotIdentity {
  readonly name: string;
  readonly email: string;
}

/** The identity without a forge account to name (the local forge): an address that cannot exist. */
export const DEFAULT_BOT: BotIdentity = { name: 'Slipway Bot', email: 'slipway-bot@users.noreply.invalid' };

/** The name the bot signs its comments with on the local forge. */
export const BOT_NAME = DEFAULT_BOT.name;

/** `SLIPWAY_BOT_NAME` and `SLIPWAY_BOT_EMAIL` when both are set; throws a one-line message on half a setting. */
export function configuredBot(env: NodeJS.ProcessEnv): BotIdentity | null {
  const name = env.SLIPWAY_BOT_NAME ?? '';
  const email = env.SLIPWAY_BOT_EMAIL ?? '';
  if (name === '' && email === '') return null;
  if (name === '' || !/^[^\s@]+@[^\s@]+$/.test(email)) throw new Error('set both SLIPWAY_BOT_NAME and SLIPWAY_BOT_EMAIL (an address), or neither');
  return { name, email };
}

/** GitHub's no-reply identity of an account: `<id>+<login>@users.noreply.github.com`. */
export function githubNoreply(account: { readonly id: number; readonly login: string }): BotIdentity {
  return { name: account.login, email: `${account.id}+${account.login}@users.noreply.github.com` };
}

const INTERACTIVE_HELPERS = new Set(['EDITOR', 'VISUAL', 'PAGER', 'SSH_ASKPASS', 'PREFIX']);

/**
 * This process's environment without inherited GIT_* settings and the interactive helpers git
 * could spawn (editors, pagers, askpass): git run for the bot never needs them, and simple-git
 * refuses to run when an environment it is given names them (npm sets EDITOR for its scripts).
 */
export function inheritableEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.toUpperCase().startsWith('GIT_') && !INTERACTIVE_HELPERS.has(name.toUpperCase())) env[name] = value;
  }
  return env;
}

/** Environment for git processes that write objects as the bot, at a fixed date when given. */
export function botEnvironment(date?: string, identity: BotIdentity = DEFAULT_BOT): Record<string, string> {
  const env = inheritableEnvironment();
  env.GIT_AUTHOR_NAME = identity.name;
  env.GIT_AUTHOR_EMAIL = identity.email;
  env.GIT_COMMITTER_NAME = identity.name;
  env.GIT_COMMITTER_EMAIL = identity.email;
  env.GIT_TERMINAL_PROMPT = '0';
  if (date !== undefined) {
    env.GIT_AUTHOR_DATE = date;
    env.GIT_COMMITTER_DATE = date;
  }
  return env;
}

/** The variables `botEnvironment` sets, which simple-git must be told to allow. */
export const BOT_ENVIRONMENT_NAMES = [
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_DATE',
  'GIT_TERMINAL_PROMPT',
] as const;
