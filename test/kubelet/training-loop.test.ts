/**
 * The loop on the rendered cluster, every pod run as the kubelet runs it from `dist/dev/`: the
 * training Job clones the repository over HTTP, trains from data in the S3-compatible store and
 * publishes artifact and result there; the controller, from its rendered Deployment, clones the
 * repository, finds the result in the store and opens the pull request on (a loopback) GitHub;
 * after the merge the runtime serves the new version from the store; the materialization CronJob
 * fills Redis from a source in the store.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { after, before, describe, it } from 'node:test';
import { writeTransactionsCsv } from '../../features/generate.js';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { startGitHub, type FakeGitHub } from '../support/github-server.js';
import { loadImage } from '../support/kubelet/image.js';
import { runPod, type Pod, type RunPodOptions } from '../support/kubelet/pod.js';
import { podTemplateOf, type RenderedEnvironment } from '../support/kubelet/rendered.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { startS3, type TestS3 } from '../support/s3-server.js';
import { postJson, sampleUser, sampleValue } from '../runtime/feature-fixture.js';
import { clusterRepo, configMapData, STORE_PREFIX, uploadExampleArtifacts, type ClusterRepo } from './cluster-repo.js';

const run = promisify(execFile);
const TOKEN = 'ghs_loopback-token';
const REDIS_PASSWORD = 'a-password-from-a-secret';
const DATA_KEY = 'data/transactions.csv';

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  return stdout.trim();
}

async function waitFor<T>(what: string, check: () => Promise<T | null | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check().catch(() => null);
    if (value !== null && value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the loop on the rendered cluster, as the kubelet runs it', () => {
  let s3: TestS3;
  let redis: TestRedis;
  let repo: ClusterRepo;
  let github: FakeGitHub;
  let gitServer: GitHttpServer;
  let rendered: RenderedEnvironment;
  const pods: Pod[] = [];
  const logs: string[] = [];

  const podOptions = (name: string): RunPodOptions => ({
    name,
    namespace: 'ml-dev',
    image: loadImage(),
    secrets: new Map([
      ...repo.secrets,
      ['slipway-git', { SLIPWAY_GIT_TOKEN: TOKEN }],
      ['slipway-controller', { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url }],
    ]),
    configMaps: new Map([['fraud-detector-bundle', configMapData(rendered, 'fraud-detector-bundle')]]),
    maxGracePeriodSeconds: 10,
    log: (entry) => logs.push(`${entry.container}: ${entry.line}`),
  });
  const start = async (name: string, object: unknown) => {
    const pod = await runPod(podTemplateOf(object as never), podOptions(name));
    pods.push(pod);
    return pod;
  };
  const exitOf = async (pod: Pod, container: string) => {
    const running = pod.containers.get(container)!;
    const exit = await running.exited;
    assert.equal(exit.code, 0, `${container} exited ${exit.code}: ${running.stderr.slice(-3_000)}`);
  };

  before(async () => {
    s3 = await startS3();
    // A Redis that requires AUTH: the pods get the password from the Secret the environments name.
    redis = await startRedis(['--requirepass', REDIS_PASSWORD]);
    repo = await clusterRepo(s3, redis.url, REDIS_PASSWORD);
    // The offline data lives in the bucket, as the feature views now say.
    const csv = path.join(repo.root, 'transactions.csv');
    await writeTransactionsCsv(csv, { rows: 20_000, seed: 3 });
    await s3.putRaw(DATA_KEY, await readFile(csv));
    for (const view of ['behavioral-features', 'transaction-features', 'user-features']) {
      await repo.edit(`catalog/features/${view}.yaml`, (text) => text.replace('path: data/transactions.csv', `path: s3://${s3.bucket}/${DATA_KEY}`));
    }
    // dev accepts what a 20,000-row training can reach (a team tunes these fields the same way).
    await repo.edit('policies/promotion.yaml', (text) =>
      text.replace('    - { metric: auc, op: ">", value: 0.90 }\n    - { metric: f1, op: ">", value: 0.85 }\n  noRegression: { metrics: [auc, f1], margin: 0.01 }', '    - { metric: auc, op: ">", value: 0.5 }\n  noRegression: { metrics: [auc], margin: 0.5 }'),
    );
    await uploadExampleArtifacts(s3, repo.root, ['2.0.0']);
    await git(repo.root, 'init', '--quiet', '--initial-branch=main');
    await git(repo.root, 'add', '--all');
    await git(repo.root, 'commit', '--quiet', '-m', 'the example');
    github = await startGitHub(repo.root);
    gitServer = await startGitHttpServer({ repositories: { 'acme/fraud-platform.git': github.gitDir }, token: TOKEN });
    await repo.edit('slipway.yaml', (text) => text.replace('https://github.com/acme/fraud-platform.git', gitServer.urlOf('acme/fraud-platform.git')));
    rendered = await repo.render('dev');
    await git(repo.root, 'add', '--all');
    await git(repo.root, 'commit', '--quiet', '-m', 'the cluster: store, Redis, repository URL; rendered');
    await git(repo.root, 'push', '--quiet', github.gitDir, 'HEAD:main');
  });
  after(async () => {
    for (const pod of pods) await pod.stop();
    await gitServer?.stop();
    await github?.stop();
    await repo?.dispose();
    await redis?.stop();
    await s3?.stop();
  });

  it('the training Job clones the repository, trains from the store and publishes artifact and result there', async () => {
    const job = rendered.objects.find((object) => object.kind === 'Job');
    assert.ok(job, 'dist/dev renders the training Job');
    const pod = await start('train-fraud-detector-abcde', job);
    await exitOf(pod, 'trainer');
    const checkout = pod.initContainers.get('checkout')!;
    assert.match(checkout.stdout, /^[0-9a-f]{40}\n$/, 'the checkout printed the commit it cloned');
    assert.ok(gitServer.requests.some((request) => request.path.includes('git-upload-pack') && request.status === 200), 'cloned over HTTP with the token');
    const published = s3.requests.filter((request) => request.method === 'PUT' && request.status === 200).map((request) => request.path);
    assert.deepEqual(published, [`/${s3.bucket}/${STORE_PREFIX}/fraud-detector/2.1.0/model.onnx`, `/${s3.bucket}/${STORE_PREFIX}/fraud-detector/2.1.0/training-result.json`]);
    assert.ok(s3.requests.some((request) => request.method === 'GET' && request.path === `/${s3.bucket}/${DATA_KEY}`), 'the data came from the store');
  });

  it('the controller clones the repository, finds the result in the store and opens the pull request', async () => {
    const deployment = rendered.find('Deployment', 'slipway-controller');
    assert.ok(deployment);
    const pod = await start('slipway-controller-5c6d7-fghij', deployment);
    await pod.waitReady(60_000); // its startup and readiness probes pass once it has cloned and listens
    const pull = await waitFor('the retraining pull request', async () => github.pulls.find((candidate) => candidate.head.ref === 'slipway/version/fraud-detector/dev'), 90_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}; controller log:\n${pod.containers.get('controller')!.stderr.slice(-3_000)}`);
      },
    );
    assert.match(pull.body ?? '', /2\.1\.0/);
    const card = await git(github.gitDir, 'show', `${pull.head.ref}:catalog/models/fraud-detector.yaml`);
    assert.match(card, /^ {2}version: 2\.1\.0$/m);
    assert.match(card, /uri: fraud-detector\/2\.1\.0\/model\.onnx/);
    await pod.stop();
  });

  it('after the merge, the runtime serves the new version, fetched from the store', async () => {
    const pull = github.pulls.find((candidate) => candidate.head.ref === 'slipway/version/fraud-detector/dev')!;
    await github.mergePull(pull.number);
    // What Argo CD syncs: dist/dev of the merged main, rendered in the pull request itself.
    const configMap = parse(await git(github.gitDir, 'show', 'main:dist/dev/configmap-fraud-detector-bundle.yaml')) as { data: Record<string, string> };
    const deployment = rendered.find('Deployment', 'fraud-detector');
    const options = podOptions('fraud-detector-7d9f8-klmno');
    const pod = await runPod(podTemplateOf(deployment as never), { ...options, configMaps: new Map([['fraud-detector-bundle', configMap.data]]) });
    pods.push(pod);
    await pod.waitReady(60_000);
    const answer = await postJson('http://127.0.0.1:8080/v2/models/fraud-detector/score', { entities: { user_id: 'user-1', transaction_id: 't-1' }, features: sampleUser(1).transaction });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.model_version, '2.1.0');
    const metrics = await (await fetch('http://127.0.0.1:8080/metrics')).text();
    assert.equal(sampleValue(metrics, 'slipway_artifact_fetches_total', { version: '2.1.0', result: 'ok' }), 1);
    const runtimeLog = pod.containers.get('runtime')!.stderr;
    assert.doesNotMatch(runtimeLog, /NOAUTH|WRONGPASS|online store connection problem/, 'the runtime logged in to Redis with the Secret');
    assert.doesNotMatch(JSON.stringify(configMap.data), new RegExp(REDIS_PASSWORD), 'no password in the ConfigMap');
    await pod.stop();
  });

  it('the materialization CronJob fills Redis from the source in the store', async () => {
    const cron = rendered.find('CronJob', 'materialize-user-features');
    assert.ok(cron);
    const pod = await start('materialize-user-features-29000000-pqrst', cron);
    await exitOf(pod, 'materialize');
    const client = new Redis(redis.url, { password: REDIS_PASSWORD });
    try {
      const keys = await client.dbsize();
      const output = `${pod.containers.get('materialize')!.stdout}${pod.containers.get('materialize')!.stderr}`;
      assert.ok(keys > 100, `cardholders' keys were written (${keys}); materialize said: ${output.slice(-1_500)}`);
    } finally {
      client.disconnect();
    }
  });
});
