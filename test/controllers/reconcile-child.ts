/**
 * One reconcile in a child process, for the crash test (which SIGKILLs it at random points).
 * Arguments: JSON `{ forge, workDir, results, prometheus }`, where `forge` is
 * `{ kind: 'local', root }` or `{ kind: 'github', url, gitDir }` (the loopback GitHub).
 */
import type { Forge } from '../../controllers/forge/forge.js';
import { GitHubForge } from '../../controllers/forge/github/github-forge.js';
import { githubSettingsFromEnv } from '../../controllers/forge/github/settings.js';
import { LocalForge } from '../../controllers/forge/local/local-forge.js';
import { reconcile } from '../../controllers/reconcile.js';
import { PrometheusSource } from '../../controllers/sources/prometheus.js';
import { testRenderDist } from './fixtures.js';

/** Which forge the child reconciles against. */
export type ChildForge = { readonly kind: 'local'; readonly root: string } | { readonly kind: 'github'; readonly url: string; readonly gitDir: string };

const { forge, workDir, results, prometheus } = JSON.parse(process.argv[2]) as { forge: ChildForge; workDir: string; results: string; prometheus: string };
const log = (message: string, fields?: Record<string, unknown>) => process.stderr.write(`${message} ${JSON.stringify(fields ?? {})}\n`);

function makeForge(settings: ChildForge): Forge {
  if (settings.kind === 'local') return new LocalForge(settings.root);
  const env = { GITHUB_TOKEN: 'a-personal-token', GITHUB_API_URL: settings.url, GITHUB_REPOSITORY: 'acme/fraud-platform', SLIPWAY_GIT_URL: settings.gitDir };
  return new GitHubForge(githubSettingsFromEnv(env), log, { retryAfterBaseValue: 20, pacing: 'none' });
}

const source = new PrometheusSource(prometheus);
const report = await reconcile({ forge: makeForge(forge), workDir, renderDist: testRenderDist, resultsDir: results, metricsFor: () => source, log });
process.stdout.write(`${JSON.stringify(report.proposals)}\n${JSON.stringify(report.waiting)}\n`);
