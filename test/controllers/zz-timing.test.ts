import { it } from 'node:test';
import { LocalForge } from '../../controllers/forge/local/local-forge.js';
import { reconcile } from '../../controllers/reconcile.js';
import { makeRepo, testRenderDist, trainingResult, writeResult } from './fixtures.js';
it('timing', async () => {
  const t0 = performance.now();
  const repo = await makeRepo();
  process.stderr.write(`makeRepo ${performance.now() - t0}\n`);
  const forge = new LocalForge(repo.root);
  await writeResult(repo.results, 'r.json', trainingResult());
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await reconcile({ forge, workDir: repo.workDir, renderDist: testRenderDist, resultsDir: repo.results, log: (m, f) => process.stderr.write(`${Math.round(performance.now() - t)} ${m} ${JSON.stringify(f)}\n`) });
    process.stderr.write(`reconcile ${i} ${performance.now() - t}\n`);
  }
  await repo.dispose();
});
