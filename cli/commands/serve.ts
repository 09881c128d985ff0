/** `slipway serve`: runs the model runtime locally, from the catalog or from a rendered bundle. */
import path from 'node:path';
import { buildBundle, type RuntimeBundle } from '../../core/bundle.js';
import { parseDuration } from '../../core/units.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { type Command, parseFlags, UsageError, UserError } from '../command.js';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from '../../runtime/connection-limits.js';

export const command: Command = {
  summary: 'serve a model with online features, canary and shadow traffic, and metrics',
  usage: `
usage: slipway serve --env <env> [path] [--model NAME] [--port 8080] [--host 0.0.0.0]
                     [--redis redis://host:port] [--artifacts DIR] [--cache DIR] [--audit-rate 0.01]
                     [--drain-delay 0s] [--drain-timeout 10s] [connection limits]
       slipway serve --bundle FILE [--port 8080] [--redis URL] [--artifacts DIR] [--cache DIR]
                     [--drain-delay 0s] [--drain-timeout 10s] [connection limits]

Serves the Open Inference Protocol (KServe V2) on /v2/..., the entity-keyed
POST /v2/models/<name>/score, and Prometheus metrics on /metrics.
  --env ENV        build the bundle from the catalog at [path] (default .) for ENV
  --model NAME     the model to serve when ENV deploys several (default: the only one)
  --bundle FILE    serve a rendered bundle.json and reload it when it changes
  --redis URL      use this Redis instead of the environment's online store
  --artifacts DIR  read artifacts from this directory instead of the environment's artifact store
  --cache DIR      keep fetched artifacts here across reloads and restarts (a writable volume)
  --audit-rate R   fraction of predictions written to the audit log (default: the environment's)
  --drain-delay D  after SIGTERM, keep answering for D while endpoints and balancers drop this
                   process (default 0s; the rendered Deployment sets it)
  --drain-timeout D  then wait at most D for requests in flight (default 10s)
Connection limits, answered 408 when exceeded (defaults in parentheses):
  --header-timeout D   request line and headers (10s)     --request-timeout D  whole request (30s)
  --min-body-rate N    bytes per second a body must average after 2s (1024)
  --idle-timeout D     an idle keep-alive connection closes (65s)
  --max-connections N  open connections; more are closed as they arrive (2048)
Stops gracefully on SIGTERM or SIGINT: readiness turns false, new and in-flight requests are
answered for the drain delay (with Connection: close), then the listener closes and requests in
flight finish.`,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      env: { type: 'string' },
      bundle: { type: 'string' },
      model: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      redis: { type: 'string' },
      artifacts: { type: 'string' },
      cache: { type: 'string' },
      'audit-rate': { type: 'string' },
      'drain-delay': { type: 'string' },
      'drain-timeout': { type: 'string' },
      'header-timeout': { type: 'string' },
      'request-timeout': { type: 'string' },
      'min-body-rate': { type: 'string' },
      'idle-timeout': { type: 'string' },
      'max-connections': { type: 'string' },
    });
    if ((values.env === undefined) === (values.bundle === undefined)) throw new UsageError('give exactly one of --env or --bundle');
    if (positionals.length > 1) throw new UsageError('serve takes at most one path');
    if (values.bundle !== undefined && positionals.length > 0) throw new UsageError('a path is only used with --env');
    const port = numberFlag('port', values.port, 8080, (value) => Number.isInteger(value) && value >= 0 && value <= 65535);
    const auditRate = values['audit-rate'] === undefined ? undefined : numberFlag('audit-rate', values['audit-rate'], 0, (value) => value >= 0 && value <= 1);
    const shutdown = { drainDelayMs: durationFlag('drain-delay', values['drain-delay'], 0), drainTimeoutMs: durationFlag('drain-timeout', values['drain-timeout'], 10_000) };
    const connectionLimits = connectionLimitFlags(values);
    const root = positionals[0] ?? '.';
    let bundle: RuntimeBundle | undefined;
    if (values.env !== undefined) bundle = await bundleFromCatalog(root, values.env, values.model);
    const { startRuntime } = await import('../../runtime/runtime.js');
    const runtime = await startRuntime({
      bundle,
      bundleFile: values.bundle,
      artifactRoot: values.artifacts === undefined ? undefined : path.resolve(values.artifacts),
      storeRoot: path.resolve(values.env === undefined ? '.' : root),
      cacheDir: values.cache === undefined ? null : path.resolve(values.cache),
      port,
      host: values.host,
      onlineStore: values.redis === undefined ? undefined : redisFlag(values.redis),
      auditSampleRate: auditRate,
      shutdown,
      connectionLimits,
    }).catch((error: Error) => {
      throw new UserError(`cannot start the runtime: ${error.message}`);
    });
    const set = runtime.registry.current;
    if (set === null) {
      process.stderr.write(`slipway serve: listening at ${runtime.url}, not ready: the stable version is not loaded yet (retrying; see the log above)\n`);
    } else {
      const versions = [...set.versions.values()].map((version) => `${version.version} (${version.spec.role})`).join(', ');
      process.stderr.write(`slipway serve: ${set.bundle.model} ${versions} ready at ${runtime.url}\n`);
    }
    await new Promise<void>((resolve) => {
      const stop = () => void runtime.stop().then(resolve);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return 0;
  },
};

async function bundleFromCatalog(root: string, env: string, model: string | undefined): Promise<RuntimeBundle> {
  const catalog = await loadCatalogOrThrow(root);
  const environment = catalog.environments.get(env);
  if (environment === undefined) throw new UserError(`no environment '${env}' in ${root} (have: ${[...catalog.environments.keys()].sort().join(', ')})`);
  const deployed = environment.deployments.map((deployment) => deployment.model);
  const chosen = model ?? (deployed.length === 1 ? deployed[0] : undefined);
  if (chosen === undefined) throw new UsageError(`environment '${env}' deploys ${deployed.length === 0 ? 'no models' : deployed.join(', ')}; pick one with --model`);
  try {
    return buildBundle(catalog, env, chosen);
  } catch (error) {
    throw new UserError((error as Error).message);
  }
}

function connectionLimitFlags(values: Record<string, string | boolean | undefined>): ConnectionLimits {
  const defaults = DEFAULT_CONNECTION_LIMITS;
  const flag = (name: string) => values[name] as string | undefined;
  const positive = (value: number) => Number.isInteger(value) && value > 0;
  return {
    ...defaults,
    headersTimeoutMs: durationFlag('header-timeout', flag('header-timeout'), defaults.headersTimeoutMs),
    requestTimeoutMs: durationFlag('request-timeout', flag('request-timeout'), defaults.requestTimeoutMs),
    minBodyBytesPerSecond: numberFlag('min-body-rate', flag('min-body-rate'), defaults.minBodyBytesPerSecond, (value) => Number.isInteger(value) && value >= 0),
    idleTimeoutMs: durationFlag('idle-timeout', flag('idle-timeout'), defaults.idleTimeoutMs),
    maxConnections: numberFlag('max-connections', flag('max-connections'), defaults.maxConnections, positive),
  };
}

function numberFlag(flag: string, raw: string | undefined, fallback: number, valid: (value: number) => boolean): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || !valid(value)) throw new UsageError(`--${flag}: '${raw}' is not a valid value`);
  return value;
}

function durationFlag(flag: string, raw: string | undefined, fallbackMs: number): number {
  if (raw === undefined) return fallbackMs;
  const ms = parseDuration(raw);
  if (ms === null) throw new UsageError(`--${flag}: '${raw}' is not a duration (e.g. 5s, 500ms)`);
  return ms;
}

function redisFlag(raw: string): { url?: string; nodes: string[] } {
  if (/^rediss?:\/\//.test(raw)) return { url: raw, nodes: [] };
  const nodes = raw.split(',');
  if (nodes.every((node) => /^[^:\s]+:\d+$/.test(node))) return { nodes };
  throw new UsageError(`--redis: '${raw}' is neither a redis:// URL nor a comma-separated list of cluster nodes host:port`);
}
