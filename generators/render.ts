/**
 * Renders a catalog to an in-memory tree of files under `dist/`: `<env>/<kind>-<name>.yaml` per
 * environment, `<env>/jobs/…` for its Jobs and CronJobs, and `argocd/…` for the Argo CD objects; a complete rendering also holds the files
 * generated beside the catalog (a Markdown page per model card, `.github/CODEOWNERS`). Nothing
 * touches the disk here; every object is validated first, and any problem fails the whole rendering.
 */
import { App, type Chart } from 'cdk8s';
import type { Catalog, Environment } from '../core/catalog.js';
import { environmentsInPromotionOrder } from '../core/catalog.js';
import { CODEOWNERS_FILE, renderCodeowners, unusableOwners } from '../core/codeowners.js';
import { CatalogError, type Diagnostic } from '../core/diagnostics.js';
import { ArgoCdChart } from './argocd-chart.js';
import { EnvironmentChart, EnvironmentJobsChart } from './environment-chart.js';
import { modelCardPagePath, modelCardPageSources, renderModelCardPage } from './model-card-page.js';
import { ARGOCD_FOLDER, jobsFolder } from './names.js';
import { preflight } from './preflight.js';
import { fileNameOf, serializeObject } from './serialize.js';
import { type KubeObject, type ObjectProblem, validateObject } from './validate.js';

/** What to render. */
export interface RenderOptions {
  /** Only this environment (and not `argocd/`); undefined renders everything. */
  readonly environment?: string;
}

/** A rendered tree of files, relative to `dist/`. */
export interface Rendering {
  /** `path → YAML text`, in path order. */
  readonly files: ReadonlyMap<string, string>;
  /** The parsed objects by path, for callers that inspect fields. */
  readonly objects: ReadonlyMap<string, KubeObject>;
  /** Folders under `dist/` this rendering is complete for; files there that it lacks are stale. */
  readonly folders: readonly string[];
  /** True when the rendering covers all of `dist/`, so that folders of deleted environments are stale too. */
  readonly complete: boolean;
  /**
   * Files generated outside `dist/`, relative to the repository root, in path order: the page
   * beside each model card and `.github/CODEOWNERS`. Empty when only one environment is rendered.
   */
  readonly repositoryFiles: ReadonlyMap<string, string>;
}

/** Rendered objects that Kubernetes or a CRD would reject; nothing may be written. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
  readonly problems: readonly ObjectProblem[];

  constructor(message: string, problems: readonly ObjectProblem[] = []) {
    super(problems.length === 0 ? message : `${message}:\n${problems.map(formatProblem).join('\n')}`);
    this.problems = problems;
  }
}

/** `prod/Deployment/fraud-detector: spec.replicas: must be integer`. */
export function formatProblem(problem: ObjectProblem): string {
  return `${problem.object}: ${problem.field}: ${problem.message}`;
}

/** Renders and validates; throws `CatalogError` (pre-render checks) or `RenderError` (schema checks). */
export function render(catalog: Catalog, options: RenderOptions = {}): Rendering {
  const environments = selectEnvironments(catalog, options.environment);
  const complete = options.environment === undefined;
  const diagnostics = [...preflight(catalog, environments), ...(complete ? ownerProblems(catalog) : [])];
  if (diagnostics.length > 0) throw new CatalogError(diagnostics);
  const app = new App();
  const charts: [string, Chart][] = environments.flatMap((environment) => buildCharts(app, catalog, environment));
  if (complete) charts.push([ARGOCD_FOLDER, new ArgoCdChart(app, ARGOCD_FOLDER, { catalog })]);

  const objects = new Map<string, KubeObject>();
  const problems: ObjectProblem[] = [];
  for (const [folder, chart] of charts) {
    for (const object of chart.toJson() as KubeObject[]) {
      problems.push(...validateObject(object, folder));
      const path = `${folder}/${fileNameOf(object)}`;
      if (objects.has(path)) problems.push({ object: `${folder}/${object.kind}/${object.metadata.name}`, field: 'metadata.name', message: 'another object of this kind has the same name' });
      objects.set(path, object);
    }
  }
  if (problems.length > 0) throw new RenderError(`${problems.length} rendered object problem${problems.length === 1 ? '' : 's'}; nothing was written`, problems);
  const paths = [...objects.keys()].sort();
  return {
    files: new Map(paths.map((path) => [path, serializeObject(objects.get(path)!)])),
    objects: new Map(paths.map((path) => [path, objects.get(path)!])),
    folders: charts.map(([folder]) => folder).sort(),
    complete,
    repositoryFiles: complete ? renderRepositoryFiles(catalog) : new Map(),
  };
}

/** The model-card pages and CODEOWNERS; a single-environment rendering leaves them alone. */
function renderRepositoryFiles(catalog: Catalog): Map<string, string> {
  const files = new Map<string, string>([[CODEOWNERS_FILE, renderCodeowners(catalog, modelCardPageSources(catalog))]]);
  for (const card of catalog.models.values()) {
    try {
      files.set(modelCardPagePath(card), renderModelCardPage(catalog, card.name));
    } catch (error) {
      throw new Error(`rendering the page of model card '${card.name}': ${(error as Error).message}`, { cause: error });
    }
  }
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** CODEOWNERS could not name an owner that is not a GitHub team or user. */
function ownerProblems(catalog: Catalog): Diagnostic[] {
  return unusableOwners(catalog).map((document) => ({
    ...document.declaredAt,
    path: 'metadata.owner',
    message: `'${document.owner}' is not a GitHub team or user name (letters, digits, '-', '_', '.'), so ${CODEOWNERS_FILE} cannot name it`,
    rule: 'codeowners-owner',
  }));
}

function selectEnvironments(catalog: Catalog, name: string | undefined): Environment[] {
  const ordered = environmentsInPromotionOrder(catalog);
  if (name === undefined) return ordered;
  const found = ordered.find((environment) => environment.name === name);
  if (found === undefined) throw new RenderError(`environment '${name}' is not in the catalog (it has ${ordered.map((env) => env.name).join(', ') || 'none'})`);
  return [found];
}

/** The environment's two folders: `<env>` for its Application, `<env>/jobs` for its jobs Application. */
function buildCharts(app: App, catalog: Catalog, environment: Environment): [string, Chart][] {
  try {
    const props = { catalog, environment };
    return [
      [environment.name, new EnvironmentChart(app, environment.name, props)],
      [jobsFolder(environment.name), new EnvironmentJobsChart(app, `${environment.name}-jobs`, props)],
    ];
  } catch (error) {
    throw new Error(`rendering environment '${environment.name}': ${(error as Error).message}`, { cause: error });
  }
}
