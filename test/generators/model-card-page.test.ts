/** The Markdown page of a model card: its sections and tables from the example card's own values, the charts, where it serves, determinism. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Catalog, Environment, ModelCard } from '../../core/catalog.js';
import { CODEOWNERS_FILE, ownerHandle, renderCodeowners } from '../../core/codeowners.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { compareVersions } from '../../core/units.js';
import { formatCount, markdownTable } from '../../generators/markdown.js';
import { isModelCardPage, MODEL_CARD_PAGE_MARKER, modelCardPagePath, modelCardPageSources, renderModelCardPage } from '../../generators/model-card-page.js';
import { render } from '../../generators/render.js';
import { axisRange } from '../../generators/version-chart.js';
import { PROJECT_ROOT } from '../support/example-repo.js';

const MODEL = 'fraud-detector';

/** The lines of one `## Title` (or `### Title`) section, up to the next heading of any level. */
function sectionOf(page: string, heading: string): string[] {
  const lines = page.split('\n');
  const start = lines.indexOf(heading);
  assert.notEqual(start, -1, `the page has no '${heading}' heading`);
  const end = lines.findIndex((line, index) => index > start && /^#{1,3} /.test(line));
  return lines.slice(start + 1, end === -1 ? undefined : end).filter((line) => line !== '');
}

/** The rows of the first table in `lines`, as cells, without the header and separator. */
function tableRows(lines: readonly string[]): string[][] {
  const table = lines.filter((line) => line.startsWith('|'));
  return table.slice(2).map((line) => line.slice(2, -2).split(' | '));
}

describe('the model card page of the example', () => {
  let catalog: Catalog;
  let card: ModelCard;
  let page: string;

  before(async () => {
    catalog = await loadCatalogOrThrow(PROJECT_ROOT);
    card = catalog.models.get(MODEL)!;
    page = renderModelCardPage(catalog, MODEL);
  });

  it('lives beside the card and says it is generated from the YAML and not to be edited', () => {
    assert.equal(modelCardPagePath(card), 'catalog/models/fraud-detector.md');
    const [first] = page.split('\n');
    assert.ok(first.startsWith(MODEL_CARD_PAGE_MARKER), first);
    assert.match(first, /from catalog\/models\/fraud-detector\.yaml\. Do not edit by hand/);
    assert.ok(isModelCardPage(page));
    assert.ok(!isModelCardPage('# fraud-detector\n\nNotes written by a person.\n'));
    assert.match(page, /^_Generated from \[fraud-detector\.yaml\]\(fraud-detector\.yaml\) by `slipway render`; edit the YAML, not this page\._$/m);
  });

  it('has every section, in reading order', () => {
    const headings = page.split('\n').filter((line) => /^#{1,3} /.test(line));
    assert.deepEqual(headings, [
      '# fraud-detector',
      '## Purpose',
      '## Intended use',
      '### Out-of-scope uses',
      '## Where it serves',
      '## Owner and maintenance',
      '## Training data',
      '## Inputs',
      '## Metrics',
      '### Slice metrics',
      '## Limitations',
      '## Ethical considerations',
      '### Fairness metrics',
      '## Version history',
      '### Metrics across versions',
    ]);
  });

  it('states the purpose, intended use, out-of-scope uses and model type as the card does', () => {
    assert.deepEqual(sectionOf(page, '## Purpose'), [card.purpose]);
    assert.deepEqual(sectionOf(page, '## Intended use'), [card.intendedUse]);
    assert.deepEqual(sectionOf(page, '### Out-of-scope uses'), card.outOfScopeUses.map((use) => `- ${use}`));
    assert.ok(page.includes(`| **Model type** | ${card.modelType} |`));
    assert.ok(page.includes(`| **Current version** | ${card.current.version} |`));
    assert.ok(page.includes(`| **sha256** | \`${card.current.artifact.sha256}\` |`));
  });

  it('names the owner and how the model is maintained and retrained', () => {
    const rows = new Map(tableRows(sectionOf(page, '## Owner and maintenance')).map(([label, value]) => [label, value]));
    assert.equal(rows.get('**Owner**'), card.owner);
    assert.equal(rows.get('**Team**'), card.maintenance.team);
    assert.equal(rows.get('**Contact**'), card.maintenance.contact);
    assert.equal(rows.get('**Update frequency**'), card.maintenance.updateFrequency);
    assert.equal(rows.get('**Retraining schedule**'), `\`${card.training.schedule}\` (cron)`);
    assert.equal(rows.get('**Training window**'), `${card.training.windowMs / 86_400_000} days`);
    assert.equal(rows.get('**Trigger id**'), `\`${card.training.triggerId}\``);
  });

  it('shows the training data: dataset, rows and date range', () => {
    const data = card.current.trainingData!;
    const rows = new Map(tableRows(sectionOf(page, '## Training data')).map(([label, value]) => [label, value]));
    assert.equal(rows.get('**Dataset**'), `\`${data.dataset}\``);
    assert.equal(rows.get('**Rows**')!.replaceAll(',', ''), String(data.rows));
    assert.match(rows.get('**Rows**')!, /^\d{1,3}(,\d{3})*$/);
    assert.equal(rows.get('**Date range**'), `${data.from} to ${data.to}`);
    assert.ok(sectionOf(page, '## Training data').includes(data.description));
  });

  it('tabulates the metrics and every slice with its metrics', () => {
    assert.deepEqual(tableRows(sectionOf(page, '## Metrics')), Object.entries(card.current.metrics).map(([name, value]) => [name, String(value)]));
    const sliceTable = sectionOf(page, '### Slice metrics').filter((line) => line.startsWith('|'));
    const metricNames = Object.keys(card.current.metrics);
    assert.equal(sliceTable[0], `| Slice | Rows where | ${metricNames.join(' | ')} | Description |`);
    assert.equal(sliceTable.length, 2 + card.current.slices.length);
    const international = card.current.slices.find((slice) => slice.name === 'international')!;
    const row = tableRows(sliceTable).find(([name]) => name === 'international')!;
    assert.equal(row[1], '`transaction-features:foreign_transaction` = true');
    assert.deepEqual(row.slice(2, -1), metricNames.map((name) => String(international.metrics[name])));
    assert.equal(row.at(-1), international.description);
  });

  it('lists the limitations, the ethical considerations and the fairness metrics', () => {
    assert.deepEqual(sectionOf(page, '## Limitations'), card.limitations.map((text) => `- ${text}`));
    assert.deepEqual(sectionOf(page, '## Ethical considerations'), card.ethics.considerations.map((text) => `- ${text}`));
    assert.deepEqual(tableRows(sectionOf(page, '### Fairness metrics')), Object.entries(card.ethics.fairnessMetrics).map(([name, value]) => [name, String(value)]));
  });

  it('shows where the model serves in each environment: stable, canary with its weight, shadow', () => {
    const rows = tableRows(sectionOf(page, '## Where it serves'));
    const expected = ['dev', 'staging', 'prod'].map((name) => {
      const environment = catalog.environments.get(name)!;
      const deployment = environment.deployments.find((candidate) => candidate.model === MODEL)!;
      const canary = deployment.canary === undefined ? '—' : `${deployment.canary.version} at ${deployment.canary.weight} %`;
      return [name, `\`${environment.cluster.namespace}\``, deployment.stable, canary, deployment.shadow?.version ?? '—'];
    });
    assert.deepEqual(rows.map((row) => row.slice(0, 5)), expected);
    assert.ok(rows.some((row) => row[3] !== '—'), 'the example runs a canary somewhere, so the weight column is exercised');
  });

  it('tabulates the version history, newest first, with metrics, training data and where each version serves', () => {
    const rows = tableRows(sectionOf(page, '## Version history'));
    const versions = [...card.versions.values()].sort((a, b) => compareVersions(b.version, a.version));
    assert.equal(rows.length, versions.length);
    for (const [index, version] of versions.entries()) {
      const row = rows[index];
      assert.equal(row[0], version.version === card.current.version ? `**${version.version}** (current)` : version.version);
      assert.equal(row[1], version.createdAt);
      assert.deepEqual(row.slice(2, 6), ['auc', 'f1', 'precision', 'recall'].map((name) => String(version.metrics[name])));
      const data = version.trainingData!;
      assert.equal(row[6], `\`${data.dataset}\`, ${formatCount(data.rows)} rows, ${data.from} to ${data.to}`);
    }
    const servesIn = new Map(rows.map((row) => [row[0].replace(/\*\*|\s\(current\)/g, ''), row[7]]));
    for (const environment of catalog.environments.values()) {
      for (const deployment of environment.deployments.filter((candidate) => candidate.model === MODEL)) {
        assert.ok(servesIn.get(deployment.stable)!.includes(`${environment.name} (stable)`), `${deployment.stable} serves stable in ${environment.name}`);
        if (deployment.canary !== undefined) assert.ok(servesIn.get(deployment.canary.version)!.includes(`${environment.name} (canary ${deployment.canary.weight} %)`));
      }
    }
  });

  it('charts each metric across versions with a Mermaid xychart, oldest first, on an axis that holds every value', () => {
    const blocks = [...page.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((match) => match[1].split('\n'));
    const oldestFirst = [...card.versions.values()].sort((a, b) => compareVersions(a.version, b.version));
    assert.equal(blocks.length, Object.keys(card.current.metrics).length, 'one chart per metric (xychart has no legend)');
    for (const [metric] of Object.entries(card.current.metrics)) {
      const block = blocks.find((lines) => lines.includes(`  title "${metric} by version"`));
      assert.ok(block, `a chart of ${metric}`);
      assert.equal(block[0], 'xychart-beta');
      assert.equal(block[2], `  x-axis [${oldestFirst.map((version) => `"${version.version}"`).join(', ')}]`);
      assert.equal(block[4], `  line [${oldestFirst.map((version) => version.metrics[metric]).join(', ')}]`);
      const [, low, high] = /^ {2}y-axis "[^"]+" (\S+) --> (\S+)$/.exec(block[3])!;
      for (const version of oldestFirst) {
        assert.ok(Number(low) < version.metrics[metric] && version.metrics[metric] < Number(high), `${metric} ${version.metrics[metric]} within ${low}..${high}`);
      }
    }
  });

  it('is deterministic, and the committed page is exactly what renders', async () => {
    assert.equal(renderModelCardPage(await loadCatalogOrThrow(PROJECT_ROOT), MODEL), page);
    const committed = await readFile(path.join(PROJECT_ROOT, modelCardPagePath(card)), 'utf8');
    assert.equal(committed, page, "catalog/models/fraud-detector.md is stale; run 'slipway render'");
  });

  it('is part of a complete rendering with CODEOWNERS, and not of a one-environment rendering', () => {
    const rendering = render(catalog);
    assert.deepEqual([...rendering.repositoryFiles.keys()], [CODEOWNERS_FILE, 'catalog/models/device-trust-estimator.md', 'catalog/models/fraud-detector.md']);
    assert.equal(rendering.repositoryFiles.get('catalog/models/fraud-detector.md'), page);
    const codeowners = rendering.repositoryFiles.get(CODEOWNERS_FILE)!;
    assert.equal(codeowners, renderCodeowners(catalog, modelCardPageSources(catalog)));
    assert.ok(codeowners.includes('\n/catalog/models/fraud-detector.md\n'), 'the page has no owners: it is reviewed through its card');
    assert.ok(codeowners.includes(`\n/${card.declaredAt.file} ${ownerHandle(catalog.project, card.owner)}\n`));
    assert.equal(render(catalog, { environment: 'dev' }).repositoryFiles.size, 0);
  });
});

describe('the model card page in other situations', () => {
  let catalog: Catalog;
  before(async () => {
    catalog = await loadCatalogOrThrow(PROJECT_ROOT);
  });

  /** The example catalog with one deployment of prod replaced. */
  function withProdDeployment(change: (deployment: Environment['deployments'][number]) => Environment['deployments'][number]): Catalog {
    const prod = catalog.environments.get('prod')!;
    const changed: Environment = { ...prod, deployments: prod.deployments.map(change) };
    return { ...catalog, environments: new Map([...catalog.environments].map(([name, environment]) => [name, name === 'prod' ? changed : environment])) };
  }

  it('shows a shadow version in the serving table and the history', () => {
    const shadowed = withProdDeployment((deployment) => ({ ...deployment, shadow: { version: catalog.models.get(MODEL)!.current.version } }));
    const page = renderModelCardPage(shadowed, MODEL);
    const prod = tableRows(sectionOf(page, '## Where it serves')).find(([name]) => name === 'prod')!;
    assert.equal(prod[4], catalog.models.get(MODEL)!.current.version);
    assert.match(page, /\| \*\*2\.0\.0\*\* \(current\) \|.*prod \(shadow\)/);
  });

  it('says so when the model serves nowhere', () => {
    const nowhere: Catalog = { ...catalog, environments: new Map([...catalog.environments].map(([name, environment]) => [name, { ...environment, deployments: [] }])) };
    const page = renderModelCardPage(nowhere, MODEL);
    assert.deepEqual(sectionOf(page, '## Where it serves'), ['_Not deployed in any environment._']);
  });

  it('draws no chart for a card with a single version', () => {
    const card = catalog.models.get(MODEL)!;
    const single: ModelCard = { ...card, history: [], versions: new Map([[card.current.version, card.current]]) };
    const page = renderModelCardPage({ ...catalog, models: new Map([[MODEL, single]]) }, MODEL);
    assert.doesNotMatch(page, /```mermaid/);
    assert.deepEqual(sectionOf(page, '### Metrics across versions'), ['_A chart per metric appears once two versions report it._']);
  });

  it('throws for a model that is not in the catalog', () => {
    assert.throws(() => renderModelCardPage(catalog, 'no-such-model'), /model 'no-such-model' is not in the catalog/);
  });
});

describe('page building blocks', () => {
  it('keeps a cell with a pipe or a line break in one table cell', () => {
    assert.deepEqual(markdownTable(['a', 'b'], [['x | y', 'one\ntwo']]), ['| a | b |', '|---|---|', '| x \\| y | one two |']);
  });

  it('groups thousands the same way on every machine', () => {
    assert.deepEqual([0, 999, 1000, 83333, 1234567, -4500, 1234.5].map(formatCount), ['0', '999', '1,000', '83,333', '1,234,567', '-4,500', '1,234.5']);
  });

  it('gives an axis a step of room on each side, never outside [0, 1] for metrics inside it', () => {
    assert.deepEqual(axisRange([0.991, 0.9969]), [0.99, 0.998]);
    assert.deepEqual(axisRange([0.7831, 0.8612]), [0.77, 0.88]);
    assert.deepEqual(axisRange([0.02, 0.95]), [0, 1]);
    assert.deepEqual(axisRange([120, 180]), [110, 190]);
    const [low, high] = axisRange([0.5, 0.5]);
    assert.ok(low < 0.5 && 0.5 < high, `${low}..${high}`);
  });
});
