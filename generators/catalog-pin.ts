/**
 * Which revision a job's pod checks out. Argo CD tells a directory Application's objects nothing
 * of the commit it synced, and an object cannot name the commit it is committed in; it can name
 * the documents that decide its work and their digest (core/load/catalog-digest.ts). The pod's
 * checkout walks back to the newest commit where those documents have that digest, so a training
 * run reads the card it was rendered from even after main moved on, and an edit of another
 * document (a canary step in prod) changes no job's spec.
 */
import type { Catalog, DocumentMeta, FeatureView, ModelCard } from '../core/catalog.js';
import { catalogDigest, type CatalogPin } from '../core/load/catalog-digest.js';

/** What `slipway train <model>` reads: the project, the card, the views its versions read and their entities. */
export function trainingPin(catalog: Catalog, card: ModelCard): CatalogPin {
  const viewNames = new Set([...card.versions.values()].flatMap((version) => version.inputs.map((input) => input.view)));
  const views = [...viewNames].map((name) => catalog.featureViews.get(name)).filter((view): view is FeatureView => view !== undefined);
  return pinOf(catalog, [catalog.project, card, ...views, ...entitiesOf(catalog, views)]);
}

/**
 * What decides the rows `slipway materialize --view V` writes: the project, the view and its
 * entities. Not the environment: every canary step edits it, and would change every CronJob of
 * the environment in that pull request's diff for nothing; its online store is also what the
 * rendered CronJob names.
 */
export function materializationPin(catalog: Catalog, view: FeatureView): CatalogPin {
  return pinOf(catalog, [catalog.project, view, ...entitiesOf(catalog, [view])]);
}

function entitiesOf(catalog: Catalog, views: readonly FeatureView[]): DocumentMeta[] {
  const names = new Set(views.flatMap((view) => view.entities));
  return [...names].map((name) => catalog.entities.get(name)).filter((entity): entity is NonNullable<typeof entity> => entity !== undefined);
}

function pinOf(catalog: Catalog, documents: readonly DocumentMeta[]): CatalogPin {
  const files = [...new Set(documents.map((document) => document.declaredAt.file))].sort();
  const digest = catalogDigest(files.map((path) => ({ path, blobId: catalog.documentBlobs.get(path)! })));
  return { digest, files };
}
