/**
 * One reconcile in a child process, for the crash test (which SIGKILLs it at random points).
 * Arguments: JSON `{ root, workDir, results, prometheus }`.
 */
import { LocalForge } from '../../controllers/forge/local/local-forge.js';
import { reconcile } from '../../controllers/reconcile.js';
import { PrometheusSource } from '../../controllers/sources/prometheus.js';
import { testRenderDist } from './fixtures.js';

const { root, workDir, results, prometheus } = JSON.parse(process.argv[2]) as { root: string; workDir: string; results: string; prometheus: string };
const source = new PrometheusSource(prometheus);
const report = await reconcile({
  forge: new LocalForge(root),
  workDir,
  renderDist: testRenderDist,
  resultsDir: results,
  metricsFor: () => source,
  log: (message, fields) => process.stderr.write(`${message} ${JSON.stringify(fields ?? {})}\n`),
});
process.stdout.write(`${JSON.stringify(report.proposals)}\n${JSON.stringify(report.waiting)}\n`);
