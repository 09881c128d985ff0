/** Who the bot commits as; commits by anyone else on a bot branch mean a person took it over. */
export const BOT_NAME = 'Slipway Bot';

/** The bot's commit e-mail. */
export const BOT_EMAIL = 'bot@slipway.dev';

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
export function botEnvironment(date?: string): Record<string, string> {
  const env = inheritableEnvironment();
  env.GIT_AUTHOR_NAME = BOT_NAME;
  env.GIT_AUTHOR_EMAIL = BOT_EMAIL;
  env.GIT_COMMITTER_NAME = BOT_NAME;
  env.GIT_COMMITTER_EMAIL = BOT_EMAIL;
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
