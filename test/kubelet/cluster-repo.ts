/**
 * A copy of the example repository set up as a platform engineer sets up a real one (README,
 * "Running it for real"): artifacts in an S3-compatible bucket read with credentials from a
 * Secret, the environment's Redis, and `dist/` rendered from it. The addresses are this machine's
 * loopback servers; everything else is what the README says.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { copyExampleRepo } from '../support/example-repo.js';
import { loadImage } from '../support/kubelet/image.js';
import { runPod, type Pod } from '../support/kubelet/pod.js';
import { loadRendered, podTemplateOf, type RenderedEnvironment } from '../support/kubelet/rendered.js';
import type { TestS3 } from '../support/s3-server.js';

/** The Secret holding the artifact store's credentials, as the environment names it. */
export const STORE_SECRET = 'slipway-artifacts';

/** The prefix inside the bucket the project publishes under. */
export const STORE_PREFIX = 'models';

/** A configured copy of the example. */
export interface ClusterRepo {
  readonly root: string;
  /** The Secrets a cluster operator creates in the namespace (values, never in the repository). */
  readonly secrets: Map<string, Record<string, string>>;
  /** Changes a file of the copy. */
  edit(file: string, change: (text: string) => string): Promise<void>;
  /** Runs `slipway render` in the copy and reads `dist/<env>/`. */
  render(environment: string): Promise<RenderedEnvironment>;
  dispose(): Promise<void>;
}

/** The Secret holding the Redis password, when the test's Redis requires one. */
export const REDIS_SECRET = 'slipway-redis';

/**
 * Copies the example, points its store at `s3` and its environments' Redis at `redisUrl`; with
 * `redisPassword`, the environments name the Secret that holds it.
 */
export async function clusterRepo(s3: TestS3, redisUrl: string, redisPassword?: string): Promise<ClusterRepo> {
  const repo = await copyExampleRepo();
  const edit = async (file: string, change: (text: string) => string) => {
    const target = path.join(repo.root, file);
    const before = await readFile(target, 'utf8');
    const after = change(before);
    if (after === before) throw new Error(`editing ${file} changed nothing`);
    await writeFile(target, after);
  };
  await edit('slipway.yaml', (text) =>
    text.replace(
      '  image:',
      `  artifacts:\n    url: s3://${s3.bucket}/${STORE_PREFIX}\n    endpoint: ${s3.endpoint}\n    credentialsSecret: ${STORE_SECRET}\n  image:`,
    ),
  );
  for (const environment of ['dev', 'staging', 'prod']) {
    const secret = redisPassword === undefined ? '' : `, passwordSecret: { name: ${REDIS_SECRET}, key: password }`;
    await edit(`environments/${environment}.yaml`, (text) => text.replace(/redis: \{ url: "redis:\/\/[^"]+" \}/, `redis: { url: "${redisUrl}"${secret} }`));
  }
  const secrets = new Map<string, Record<string, string>>([[STORE_SECRET, { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1' }]]);
  if (redisPassword !== undefined) secrets.set(REDIS_SECRET, { password: redisPassword });
  return {
    root: repo.root,
    secrets,
    edit,
    async render(environment) {
      const rendered = await runCli(['render', repo.root]);
      if (rendered.code !== 0) throw new Error(`slipway render failed: ${rendered.stderr}`);
      return loadRendered(path.join(repo.root, 'dist', environment));
    },
    dispose: repo.dispose,
  };
}

/** Where a runtime pod run here answers: the rendered container port on the pod's (loopback) IP. */
export const RUNTIME_URL = 'http://127.0.0.1:8080';

/** The bundle ConfigMap of the example's model. */
export const BUNDLE_CONFIG_MAP = 'fraud-detector-bundle';

/**
 * Runs the rendered runtime Deployment of the example's model as the kubelet runs it: its
 * ConfigMap, the repository's Secrets, the image the Dockerfile builds. Resolves once ready.
 */
export async function runRenderedRuntime(
  rendered: RenderedEnvironment,
  repo: ClusterRepo,
  options: { readonly podName: string; readonly namespace: string; readonly log: (line: string) => void; readonly maxGracePeriodSeconds?: number },
): Promise<Pod> {
  const deployment = rendered.find('Deployment', 'fraud-detector');
  if (deployment === null) throw new Error(`dist/ renders no runtime Deployment for ${options.namespace}`);
  const pod = await runPod(podTemplateOf(deployment), {
    name: options.podName,
    namespace: options.namespace,
    image: loadImage(),
    configMaps: new Map([[BUNDLE_CONFIG_MAP, configMapData(rendered, BUNDLE_CONFIG_MAP)]]),
    secrets: repo.secrets,
    ...(options.maxGracePeriodSeconds === undefined ? {} : { maxGracePeriodSeconds: options.maxGracePeriodSeconds }),
    log: (entry) => options.log(entry.line),
  });
  await pod.waitReady(60_000);
  return pod;
}

/** Uploads the example's committed artifacts (its embedded `models/` store) to the bucket, as a migration would. */
export async function uploadExampleArtifacts(s3: TestS3, root: string, versions: readonly string[]): Promise<void> {
  for (const version of versions) {
    const key = `fraud-detector/${version}/model.onnx`;
    await s3.putRaw(`${STORE_PREFIX}/${key}`, await readFile(path.join(root, 'models', key)));
  }
}

/** The data of a rendered ConfigMap, as the kubelet would see it. */
export function configMapData(rendered: RenderedEnvironment, name: string): Record<string, string> {
  const object = rendered.find('ConfigMap', name);
  if (object === null) throw new Error(`dist has no ConfigMap ${name}`);
  return (object as unknown as { data: Record<string, string> }).data;
}
