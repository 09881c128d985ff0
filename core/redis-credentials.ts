/**
 * Redis credentials reach pods as environment variables from a Secret the Environment names
 * (`onlineStore.redis.passwordSecret`), never through the repository, a ConfigMap or a URL that
 * could end up in a log line. The runtime and the materializer read them the same way.
 */

/** The variable holding the Redis password (AUTH). */
export const REDIS_PASSWORD_ENV = 'SLIPWAY_REDIS_PASSWORD';

/** The variable holding the Redis ACL user name, when the password belongs to one. */
export const REDIS_USERNAME_ENV = 'SLIPWAY_REDIS_USERNAME';

/** What to authenticate with; both absent for a Redis without AUTH. */
export interface RedisCredentials {
  readonly username?: string;
  readonly password?: string;
}

/** The credentials `env` carries; empty values count as absent. */
export function redisCredentialsFromEnv(env: NodeJS.ProcessEnv): RedisCredentials {
  const password = env[REDIS_PASSWORD_ENV];
  const username = env[REDIS_USERNAME_ENV];
  return {
    ...(password !== undefined && password !== '' ? { password } : {}),
    ...(username !== undefined && username !== '' ? { username } : {}),
  };
}
