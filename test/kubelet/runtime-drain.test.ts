/**
 * A runtime pod leaves without dropping a request: two pods of the rendered Deployment serve
 * behind a balancer that behaves like kube-proxy (new connections to the current endpoints), the
 * kubelet stops one of them as it does for a rollout, scale-in or drain (preStop, SIGTERM, grace
 * period), and the balancer removes it from its endpoints only seconds later, as endpoint
 * propagation does in a cluster. Under load, no request fails.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { RUNTIME_GRACE_PERIOD_SECONDS, RUNTIME_TERMINATION } from '../../generators/runtime-deployment.js';
import { startEndpointBalancer, type EndpointBalancer } from '../support/endpoint-balancer.js';
import { loadImage } from '../support/kubelet/image.js';
import { runPod, type Pod, type PodLogEntry } from '../support/kubelet/pod.js';
import { podTemplateOf } from '../support/kubelet/rendered.js';
import type { PodSpec } from '../support/kubelet/spec.js';
import { startRedis, type TestRedis } from '../support/redis-server.js';
import { startS3, type TestS3 } from '../support/s3-server.js';
import { postJson, sampleUser } from '../runtime/feature-fixture.js';
import { clusterRepo, configMapData, uploadExampleArtifacts, type ClusterRepo } from './cluster-repo.js';

const BUNDLE = 'fraud-detector-bundle';
/** The rendered port, and the second pod's: pods share the host's network in the harness. */
const PORT_A = 8080;
const PORT_B = 8090;
/**
 * How long the balancer keeps sending new connections to the terminating pod: longer than the
 * preStop pause, so that the runtime's own drain after SIGTERM is exercised too.
 */
const ENDPOINT_REMOVAL_DELAY_MS = 7_000;

/** The pod template with the runtime listening on `port` instead (args, containerPort). */
function onPort(spec: PodSpec, port: number): PodSpec {
  const [runtime, ...others] = spec.containers;
  const args = [...(runtime.args ?? [])];
  args[args.indexOf('--port') + 1] = String(port);
  return { ...spec, containers: [{ ...runtime, args, ports: (runtime.ports ?? []).map((one) => ({ ...one, containerPort: port })) }, ...others] };
}

/** POSTs on a new connection of its own, as a client without a connection pool does. */
function postOnNewConnection(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/**
 * Clients sending from `workers` loops until stopped, half of them over keep-alive connections and
 * half on a new connection per request; what did not answer 200.
 */
function load(url: string, workers: number): { stop: () => Promise<{ sent: number; failed: string[] }> } {
  let running = true;
  const failed: string[] = [];
  let sent = 0;
  const loops = Array.from({ length: workers }, async (_, worker) => {
    for (let index = worker; running; index += workers) {
      const body = { entities: { user_id: `user-${index % 500}`, transaction_id: `t-${index}` }, features: sampleUser(index % 500).transaction };
      const post = worker % 2 === 0 ? postJson : postOnNewConnection;
      const response = await post(`${url}/v2/models/fraud-detector/score`, body).catch((error: Error) => ({ status: 0, body: { error: `${error.message} ${String((error.cause as Error | undefined)?.message)}` } as Record<string, unknown> }));
      sent++;
      if (response.status !== 200) failed.push(`${response.status} ${JSON.stringify(response.body)}`);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { sent, failed };
    },
  };
}

describe('a runtime pod stopped by the kubelet under load', () => {
  let s3: TestS3;
  let redis: TestRedis;
  let repo: ClusterRepo;
  let balancer: EndpointBalancer;
  const pods: Pod[] = [];
  const events: (PodLogEntry & { at: number })[] = [];

  before(async () => {
    s3 = await startS3();
    redis = await startRedis();
    repo = await clusterRepo(s3, redis.url);
    await uploadExampleArtifacts(s3, repo.root, ['2.0.0']);
  });
  after(async () => {
    await balancer?.stop();
    for (const pod of pods) await pod.stop();
    await repo?.dispose();
    await redis?.stop();
    await s3?.stop();
  });

  it('renders a preStop pause, the drain flags and a grace period that covers them', async () => {
    const rendered = await repo.render('dev');
    const spec = podTemplateOf(rendered.find('Deployment', 'fraud-detector')!);
    const runtime = spec.containers[0];
    assert.deepEqual(runtime.lifecycle?.preStop, { sleep: { seconds: RUNTIME_TERMINATION.preStopSeconds } });
    const args = runtime.args ?? [];
    assert.equal(args[args.indexOf('--drain-delay') + 1], `${RUNTIME_TERMINATION.drainDelaySeconds}s`);
    assert.equal(args[args.indexOf('--drain-timeout') + 1], `${RUNTIME_TERMINATION.drainTimeoutSeconds}s`);
    assert.equal(spec.terminationGracePeriodSeconds, RUNTIME_GRACE_PERIOD_SECONDS);
    const phases = RUNTIME_TERMINATION.preStopSeconds + RUNTIME_TERMINATION.drainDelaySeconds + RUNTIME_TERMINATION.drainTimeoutSeconds;
    assert.ok(RUNTIME_GRACE_PERIOD_SECONDS > phases, `grace ${RUNTIME_GRACE_PERIOD_SECONDS} s leaves time to close after ${phases} s of preStop, drain and in-flight requests`);
  });

  it('drops no request while the stopped pod leaves the endpoints late, and exits 0 within its grace period', async () => {
    // Arrange: two pods of the rendered Deployment behind the balancer, under keep-alive load.
    const rendered = await repo.render('dev');
    const spec = podTemplateOf(rendered.find('Deployment', 'fraud-detector')!);
    const options = (name: string) => ({
      name,
      namespace: 'ml-dev',
      image: loadImage(),
      configMaps: new Map([[BUNDLE, configMapData(rendered, BUNDLE)]]),
      secrets: repo.secrets,
      log: (entry: PodLogEntry) => events.push({ ...entry, at: Date.now() }),
    });
    const leaving = await runPod(spec, options('fraud-detector-7d9f8-aaaaa'));
    pods.push(leaving);
    const staying = await runPod(onPort(spec, PORT_B), options('fraud-detector-7d9f8-bbbbb'));
    pods.push(staying);
    await Promise.all([leaving.waitReady(60_000), staying.waitReady(60_000)]);
    balancer = await startEndpointBalancer([PORT_A, PORT_B]);
    const traffic = load(balancer.url, 8);
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    // Act: the API server marks the pod terminating; the kubelet stops it while endpoints lag behind.
    const stopStarted = Date.now();
    balancer.removeEndpoint(PORT_A, ENDPOINT_REMOVAL_DELAY_MS);
    const runtime = leaving.containers.get('runtime')!;
    await leaving.stop();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const outcome = await traffic.stop();

    // Assert
    assert.deepEqual(outcome.failed, [], `${outcome.failed.length} of ${outcome.sent} requests failed`);
    assert.ok(outcome.sent > 200, `${outcome.sent} requests were sent`);
    const killing = events.find((event) => event.pod === leaving.name && event.line === 'Killing');
    assert.ok(killing !== undefined && killing.at - stopStarted >= RUNTIME_TERMINATION.preStopSeconds * 1000 - 100, 'SIGTERM came after the preStop pause');
    const toLeaving = (from: number) => balancer.connections.filter((connection) => connection.endpoint === PORT_A && connection.at > from).length;
    assert.ok(toLeaving(stopStarted) > 0, 'the balancer sent new connections to the pod during its preStop pause');
    assert.ok(toLeaving(killing.at) > 0, 'and after its SIGTERM, which the drain delay answered');
    assert.ok(balancer.connections.some((connection) => connection.endpoint === PORT_B && connection.at > stopStarted), 'the other pod took the traffic over');
    assert.ok(!events.some((event) => event.line === 'FailedPreStopHook'), 'the preStop hook ran');
    const exit = await runtime.exited;
    assert.equal(exit.code, 0, `exited ${exit.code} (a SIGKILL at the end of the grace period is 137): ${runtime.stderr.slice(-2_000)}`);
  });
});
