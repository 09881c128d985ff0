/**
 * The kubelet harness runs real processes the way a cluster would: as the securityContext's user,
 * in the image's WORKDIR, with the kubelet's environment, read-only roots, ConfigMap volumes laid
 * out by the atomic writer, and the kubelet's stop sequence. Each test runs a small `node -e`
 * script that reports what it sees as JSON.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../support/example-repo.js';
import { freePort } from '../support/free-port.js';
import { startKubeApi } from '../support/kube-api-server.js';
import type { RunningContainer } from '../support/kubelet/container.js';
import { ContainerConfigError, DockerfileError, InitContainerError, NotReadyError, VolumeMountError } from '../support/kubelet/errors.js';
import { loadImage } from '../support/kubelet/image.js';
import { runPod, type Pod, type RunPodOptions } from '../support/kubelet/pod.js';
import { loadRendered, podMetadataOf, podTemplateOf } from '../support/kubelet/rendered.js';

const image = loadImage();

/** The pod securityContext the rendered workloads use. */
const NON_ROOT = { runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, runAsNonRoot: true } as const;
const LOCKED_DOWN = { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } as const;

/** A pod of one `node -e script` container with the rendered workloads' security settings. */
function scriptPod(script: string, container: Record<string, unknown> = {}, pod: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    securityContext: NON_ROOT,
    containers: [{ name: 'app', image: 'slipway', command: ['node', '-e', script], securityContext: LOCKED_DOWN, ...container }],
    ...pod,
  };
}

function options(overrides: Partial<RunPodOptions> = {}): RunPodOptions {
  return { name: 'harness-test', namespace: 'ml-dev', image, maxGracePeriodSeconds: 5, ...overrides };
}

/** Runs the pod, hands it to `body`, and stops it whatever happens. */
async function withPod<T>(spec: unknown, runOptions: RunPodOptions, body: (pod: Pod, app: RunningContainer) => Promise<T>): Promise<T> {
  const pod = await runPod(spec, runOptions);
  try {
    const app = pod.containers.get('app');
    assert.ok(app, 'the pod has a container named app');
    return await body(pod, app);
  } finally {
    await pod.stop();
  }
}

/** The first stdout line that parses as JSON and satisfies `accept`. */
async function jsonLine<T = Record<string, unknown>>(container: RunningContainer, accept: (value: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  const parse = (line: string): T | null => {
    try {
      const value = JSON.parse(line) as T;
      return accept(value) ? value : null;
    } catch {
      return null;
    }
  };
  for (const line of container.stdout.split('\n')) {
    const value = parse(line);
    if (value !== null) return value;
  }
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching line within ${timeoutMs} ms; stdout:\n${container.stdout}\nstderr:\n${container.stderr}`));
    }, timeoutMs);
    const stop = container.onLine((line, stream) => {
      if (stream !== 'stdout') return;
      const value = parse(line);
      if (value === null) return;
      clearTimeout(timer);
      stop();
      resolve(value);
    });
    void container.exited.then(() => {
      // Lines are flushed before `exited` resolves; give the listener that last chance.
      setTimeout(() => {
        clearTimeout(timer);
        stop();
        reject(new Error(`exited without a matching line; stdout:\n${container.stdout}\nstderr:\n${container.stderr}`));
      }, 50);
    });
  });
}

/** Where a write lands: 'ok' or the error code. */
const WRITE = `const tryWrite = (file) => { try { require('fs').writeFileSync(file, 'x'); return 'ok'; } catch (error) { return error.code; } };`;

/**
 * Keeps the process alive and exits cleanly on SIGTERM. It must come first in a script: the
 * application is PID 1, so a SIGTERM that arrives before the handler exists is dropped (as in a cluster).
 */
const STAY = `process.on('SIGTERM', () => { console.log(JSON.stringify({ signal: 'SIGTERM' })); process.exit(0); }); setInterval(() => {}, 1000);`;

describe('the image the Dockerfile run stage builds', () => {
  it('has the config the Dockerfile states: USER, WORKDIR, ENV, ENTRYPOINT and CMD', () => {
    assert.equal(image.config.user, '1000:1000');
    assert.equal(image.config.workdir, '/app');
    assert.deepEqual(image.config.entrypoint, ['node', '/app/build/cli/main.js']);
    assert.deepEqual(image.config.cmd, ['--help']);
    const env = new Map(image.config.env);
    assert.equal(env.get('NODE_ENV'), 'production');
    assert.equal(env.get('ONNXRUNTIME_NODE_INSTALL'), 'skip');
    assert.equal(env.get('PATH'), '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'the node base image PATH');
    assert.equal(image.config.stopSignal, 'SIGTERM');
  });

  it('lays /app out from the repository: compiled build/, templates, node_modules and the package files', () => {
    const source = (target: string) => image.layers.find((layer) => layer.target === target)?.source;
    assert.equal(source('/app/build'), path.join(PROJECT_ROOT, 'build'));
    assert.equal(source('/app/cli/templates'), path.join(PROJECT_ROOT, 'cli/templates'));
    assert.equal(source('/app/node_modules'), path.join(PROJECT_ROOT, 'node_modules'));
    assert.equal(source('/app/package.json'), path.join(PROJECT_ROOT, 'package.json'));
    assert.equal(source('/usr'), '/usr');
    assert.match(readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8'), /FROM \$\{NODE_IMAGE\} AS run/);
  });

  it('refuses a run stage instruction it cannot reproduce, naming the line', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'slipway-dockerfile-'));
    try {
      const dockerfile = path.join(directory, 'Dockerfile');
      const original = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
      const line = original.split('\n').indexOf('USER 1000:1000') + 1;
      await writeFile(dockerfile, original.replace('USER 1000:1000', 'RUN curl -fsSL https://example.com/tool | sh\nUSER 1000:1000'));
      assert.throws(() => loadImage({ dockerfile }), (error: unknown) => error instanceof DockerfileError && error.message.includes(`line ${line}: the harness does not know how to reproduce 'RUN curl -fsSL`));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('a container run by the harness', () => {
  it('runs as the securityContext user and groups, in WORKDIR, with the kubelet environment', async () => {
    const script = `${STAY} console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(), cwd: process.cwd(), hostname: require('os').hostname(), env: process.env }));`;
    const spec = scriptPod(script, {
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'GREETING', value: 'hello $(POD_NAME), $(NODE_ENV) stays literal' },
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      ],
      envFrom: [{ secretRef: { name: 'tokens' } }, { configMapRef: { name: 'settings' }, prefix: 'CFG_' }],
    });
    const secrets = new Map<string, Record<string, string>>([['tokens', { GITHUB_TOKEN: 'ghp-secret' }], ['db', { password: 'hunter2' }]]);
    const configMaps = new Map([['settings', { MODE: 'fast' }]]);

    const seen = await withPod(spec, options({ name: 'identity', secrets, configMaps }), (_pod, app) =>
      jsonLine<{ uid: number; gid: number; groups: number[]; cwd: string; hostname: string; env: Record<string, string> }>(app));

    assert.equal(seen.uid, 65532);
    assert.equal(seen.gid, 65532);
    assert.deepEqual(seen.groups, [65532]);
    assert.equal(seen.cwd, '/app');
    assert.equal(seen.hostname, 'identity');
    assert.equal(seen.env.HOSTNAME, 'identity');
    assert.equal(seen.env.NODE_ENV, 'production', 'image ENV');
    assert.equal(seen.env.POD_NAME, 'identity');
    assert.equal(seen.env.POD_NAMESPACE, 'ml-dev');
    assert.equal(seen.env.POD_IP, '127.0.0.1');
    // $(VAR) sees only the kubelet's variables defined so far: never the image's ENV.
    assert.equal(seen.env.GREETING, 'hello identity, $(NODE_ENV) stays literal');
    assert.equal(seen.env.DB_PASSWORD, 'hunter2');
    assert.equal(seen.env.GITHUB_TOKEN, 'ghp-secret');
    assert.equal(seen.env.CFG_MODE, 'fast');
    assert.equal(seen.env.HOME, '/', 'uid 65532 has no passwd entry in the image');
    assert.equal(seen.env.KUBERNETES_SERVICE_HOST, undefined, 'no API server was given');
  });

  it('takes workingDir over WORKDIR, the image USER without a securityContext, and fsGroup as a supplementary group', async () => {
    const script = `${STAY} console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(), cwd: process.cwd(), home: process.env.HOME }));`;
    const spec = { securityContext: { fsGroup: 2000 }, containers: [{ name: 'app', image: 'slipway', command: ['node', '-e', script], workingDir: '/app/build' }] };

    const seen = await withPod(spec, options({ name: 'image-user' }), (_pod, app) => jsonLine<{ uid: number; gid: number; groups: number[]; cwd: string; home: string }>(app));

    assert.equal(seen.uid, 1000, "the Dockerfile's USER");
    assert.equal(seen.gid, 1000);
    assert.deepEqual([...seen.groups].sort(), [1000, 2000]);
    assert.equal(seen.cwd, '/app/build');
    assert.equal(seen.home, '/home/node', "the node image's passwd entry for uid 1000");
  });

  it('fails writes to a read-only root with EROFS and lets an emptyDir take them (a Memory one up to its sizeLimit)', async () => {
    const big = "require('fs').writeFileSync('/scratch/big', Buffer.alloc(2 * 1024 * 1024))";
    const script = `${STAY} ${WRITE} const tryRun = (f) => { try { f(); return 'ok'; } catch (error) { return error.code; } };
      console.log(JSON.stringify({ app: tryWrite('/app/x'), etc: tryWrite('/etc/x'), tmp: tryWrite('/tmp/x'), scratch: tryWrite('/scratch/x'), overLimit: tryRun(() => ${big}) }));`;
    const spec = scriptPod(script, { volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, { name: 'scratch', mountPath: '/scratch' }] }, {
      volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } }, { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }],
    });

    const seen = await withPod(spec, options({ name: 'read-only' }), (_pod, app) => jsonLine(app));

    assert.deepEqual(seen, { app: 'EROFS', etc: 'EROFS', tmp: 'ok', scratch: 'ok', overLimit: 'ENOSPC' });
  });

  it('without readOnlyRootFilesystem, lets root write the writable layer and denies a non-root user (EACCES)', async () => {
    const script = `${STAY} ${WRITE} console.log(JSON.stringify({ uid: process.getuid(), app: tryWrite('/app/x'), etc: tryWrite('/etc/x') }));`;
    const asRoot = { containers: [{ name: 'app', image: 'slipway', command: ['node', '-e', script], securityContext: { runAsUser: 0 } }] };
    const asUser = { containers: [{ name: 'app', image: 'slipway', command: ['node', '-e', script] }] };

    const root = await withPod(asRoot, options({ name: 'writable-root' }), (_pod, app) => jsonLine(app));
    const user = await withPod(asUser, options({ name: 'writable-user' }), (_pod, app) => jsonLine(app));

    assert.deepEqual(root, { uid: 0, app: 'ok', etc: 'ok' });
    assert.deepEqual(user, { uid: 1000, app: 'EACCES', etc: 'EACCES' });
    assert.equal(existsSync('/etc/x'), false, "the container's write did not reach the host");
  });

  it('lays a ConfigMap volume out as the atomic writer does and swaps it on update', async () => {
    const script = `${STAY}
      const fs = require('fs');
      let last = '';
      const report = () => {
        const state = { greeting: fs.readFileSync('/etc/cfg/greeting', 'utf8'), viaData: fs.readFileSync('/etc/cfg/..data/greeting', 'utf8'), farewell: fs.existsSync('/etc/cfg/farewell'), extra: fs.existsSync('/etc/cfg/extra') ? fs.readFileSync('/etc/cfg/extra', 'utf8') : null };
        const line = JSON.stringify(state);
        if (line !== last) console.log(line);
        last = line;
      };
      report(); setInterval(report, 20);`;
    const spec = scriptPod(script, { volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }] }, { volumes: [{ name: 'cfg', configMap: { name: 'greetings' } }] });
    const configMaps = new Map([['greetings', { greeting: 'hello', farewell: 'bye' }]]);

    await withPod(spec, options({ name: 'config-map', configMaps }), async (pod, app) => {
      const before = await jsonLine(app);
      assert.deepEqual(before, { greeting: 'hello', viaData: 'hello', farewell: true, extra: null });
      const volume = pod.volumes.get('cfg')?.hostPath ?? '';
      const firstDir = readlinkSync(path.join(volume, '..data'));
      assert.match(firstDir, /^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\.\d+$/);
      assert.equal(readlinkSync(path.join(volume, 'greeting')), '..data/greeting');

      await pod.updateConfigMap('greetings', { greeting: 'hi', extra: 'new' });
      const after = await jsonLine(app, (state) => state.greeting === 'hi');

      assert.deepEqual(after, { greeting: 'hi', viaData: 'hi', farewell: false, extra: 'new' });
      assert.notEqual(readlinkSync(path.join(volume, '..data')), firstDir);
      assert.equal(existsSync(path.join(volume, firstDir)), false, 'the old timestamped directory is removed');
      assert.equal(lstatSync(path.join(volume, 'extra')).isSymbolicLink(), true);
    });
  });

  it("runs the image's ENTRYPOINT with args replacing CMD: node /app/build/cli/main.js --help exits 0", async () => {
    const spec = { securityContext: NON_ROOT, containers: [{ name: 'app', image: 'slipway', args: ['--help'], securityContext: LOCKED_DOWN }] };

    const { exit, stdout, argv } = await withPod(spec, options({ name: 'entrypoint' }), async (_pod, app) => ({ exit: await app.exited, stdout: app.stdout, argv: app.plan.argv }));

    assert.deepEqual(argv, ['node', '/app/build/cli/main.js', '--help']);
    assert.equal(exit.exitCode, 0, stdout);
    assert.match(stdout, /slipway/i);
  });

  it('refuses to start a container whose non-optional Secret is missing, naming the Secret', async () => {
    const spec = scriptPod(STAY, { envFrom: [{ secretRef: { name: 'slipway-controller' } }] });

    await assert.rejects(runPod(spec, options({ name: 'missing-secret' })), (error: unknown) => {
      assert.ok(error instanceof ContainerConfigError, String(error));
      assert.equal(error.reason, 'CreateContainerConfigError');
      assert.match(error.message, /secret "slipway-controller" not found/);
      return true;
    });
  });

  it('starts the same container when that Secret is optional', async () => {
    const spec = scriptPod(`${STAY} console.log(JSON.stringify({ started: true }));`, { envFrom: [{ secretRef: { name: 'slipway-controller', optional: true } }] });

    const seen = await withPod(spec, options({ name: 'optional-secret' }), (_pod, app) => jsonLine(app));

    assert.deepEqual(seen, { started: true });
  });

  it('fails the mount of a missing ConfigMap volume as FailedMount', async () => {
    const spec = scriptPod(STAY, { volumeMounts: [{ name: 'bundle', mountPath: '/etc/slipway/bundle', readOnly: true }] }, { volumes: [{ name: 'bundle', configMap: { name: 'fraud-detector-bundle' } }] });

    await assert.rejects(runPod(spec, options({ name: 'missing-config-map' })), (error: unknown) =>
      error instanceof VolumeMountError && /volume "bundle" : configmap "fraud-detector-bundle" not found/.test(error.message));
  });

  it('refuses runAsNonRoot when the container would run as root', async () => {
    const spec = scriptPod(STAY, { securityContext: { ...LOCKED_DOWN, runAsUser: 0 } });

    await assert.rejects(runPod(spec, options({ name: 'root' })), (error: unknown) => error instanceof ContainerConfigError && /breaks non-root policy/.test(error.message));
  });

  it('stops the pod when an init container exits 1, with its stderr, before any container starts', async () => {
    const spec = {
      securityContext: NON_ROOT,
      initContainers: [{ name: 'migrate', image: 'slipway', command: ['node', '-e', "console.error('schema v3 is newer than this binary'); process.exit(1)"] }],
      containers: [{ name: 'app', image: 'slipway', command: ['node', '-e', "require('fs').writeFileSync('/tmp/started', 'yes')"] }],
    };
    const directories = () => readdirSync(tmpdir()).filter((name) => name.startsWith('slipway-kubelet-init-fails-'));

    await assert.rejects(runPod(spec, options({ name: 'init-fails' })), (error: unknown) => {
      assert.ok(error instanceof InitContainerError, String(error));
      assert.equal(error.container, 'migrate');
      assert.equal(error.exitCode, 1);
      assert.match(error.stderr, /schema v3 is newer than this binary/);
      return true;
    });
    assert.deepEqual(directories(), [], 'the pod directory is removed');
  });

  it('runs preStop, then delivers SIGTERM to the process itself, and leaves no process, mount or file behind', async () => {
    const script = `${STAY}
      process.on('SIGUSR1', () => console.log(JSON.stringify({ event: 'preStop' })));
      console.log(JSON.stringify({ event: 'started' }));`;
    // preStop runs inside the container's PID namespace, where the application is PID 1.
    const spec = scriptPod(script, { lifecycle: { preStop: { exec: { command: ['node', '-e', "process.kill(1, 'SIGUSR1'); setTimeout(() => {}, 200)"] } } } });
    const mountsBefore = readFileSync('/proc/mounts', 'utf8');

    const pod = await runPod(spec, options({ name: 'graceful' }));
    const app = pod.containers.get('app');
    assert.ok(app);
    await jsonLine(app, (line) => line.event === 'started');
    const pids = [app.pid, pod.sandboxPid];
    await pod.stop();
    const exit = await app.exited;

    const events = app.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { event?: string; signal?: string }).event ?? 'SIGTERM');
    assert.deepEqual(events, ['started', 'preStop', 'SIGTERM']);
    assert.deepEqual(exit, { code: 0, signal: null, exitCode: 0 });
    for (const pid of pids) assert.equal(existsSync(`/proc/${pid}`), false, `process ${pid} is gone`);
    assert.deepEqual(processesRootedIn(pod.directory), [], 'no process runs in the pod directory');
    const mountsAfter = readFileSync('/proc/mounts', 'utf8');
    assert.equal(mountsAfter, mountsBefore, 'the host mount table is unchanged');
    assert.equal(existsSync(pod.directory), false);
  });

  it('kills a process that ignores SIGTERM (PID 1 without a handler) after the grace period, as 137', async () => {
    const spec = scriptPod("console.log(JSON.stringify({ event: 'started' })); setInterval(() => {}, 1000)", {}, { terminationGracePeriodSeconds: 2 });

    const pod = await runPod(spec, options({ name: 'stubborn' }));
    const app = pod.containers.get('app');
    assert.ok(app);
    await jsonLine(app);
    const started = Date.now();
    await pod.stop();
    const exit = await app.exited;

    assert.deepEqual(exit, { code: null, signal: 'SIGKILL', exitCode: 137 });
    assert.ok(Date.now() - started >= 1900, `waited the grace period (${Date.now() - started} ms)`);
  });

  it('is ready when the readinessProbe on a named port succeeds', async () => {
    const port = await freePort();
    const script = `${STAY} setTimeout(() => require('http').createServer((req, res) => { res.statusCode = req.url === '/ready' ? 200 : 404; res.end(); }).listen(Number(process.env.PORT), '127.0.0.1'), 300);`;
    const spec = scriptPod(script, {
      env: [{ name: 'PORT', value: String(port) }],
      ports: [{ name: 'http', containerPort: port }],
      readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
    });

    await withPod(spec, options({ name: 'ready' }), async (pod) => {
      const started = Date.now();
      await pod.waitReady(10_000);
      assert.ok(Date.now() - started >= 250, 'not ready before the server listened');
    });
  });

  it('rejects waitReady early, with the stderr tail, when the container exits', async () => {
    const spec = scriptPod("console.error('cannot open /etc/slipway/bundle/bundle.json'); process.exit(3)", {
      ports: [{ name: 'http', containerPort: 1 }],
      readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
    });

    await withPod(spec, options({ name: 'crashes' }), async (pod) => {
      const started = Date.now();
      await assert.rejects(pod.waitReady(20_000), (error: unknown) => error instanceof NotReadyError && /exited \(3\)[\s\S]*bundle\.json/.test(error.message));
      assert.ok(Date.now() - started < 5_000, 'did not wait for the timeout');
    });
  });
});

describe('a pod with a service account', () => {
  it("lets the controller's own in-cluster config reach the API server with the mounted token and CA", async () => {
    const kube = await startKubeApi({ tls: true });
    try {
      assert.ok(kube.caCrt);
      kube.setApplication('argocd', 'slipway-dev', { sync: 'Synced', health: 'Healthy', revision: 'abc123' });
      // The controller's code path: KUBERNETES_SERVICE_HOST set, so loadFromCluster() reads the mounted files.
      const script = `${STAY}
        const fs = await import('node:fs');
        const { loadKubeConfig, ArgoCdClusterSource } = await import('/app/build/controllers/sources/kubernetes.js');
        const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
        const status = await new ArgoCdClusterSource(loadKubeConfig(), (env) => 'slipway-' + env).applicationStatus({ name: 'dev', argocd: { namespace: 'argocd' } });
        console.log(JSON.stringify({ status, namespace: fs.readFileSync(dir + '/namespace', 'utf8'), token: fs.readFileSync(dir + '/token', 'utf8'), host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT }));`;
      const spec = scriptPod(script, { command: ['node', '--input-type=module', '-e', script] }, { serviceAccountName: 'slipway-controller' });
      const serviceAccount = { host: kube.host, port: kube.port, token: kube.token, caCrt: kube.caCrt };

      const seen = await withPod(spec, options({ name: 'controller', serviceAccount }), (_pod, app) => jsonLine(app));

      assert.deepEqual(seen, {
        status: { name: 'slipway-dev', sync: 'Synced', health: 'Healthy', revision: 'abc123' },
        namespace: 'ml-dev',
        token: kube.token,
        host: '127.0.0.1',
        port: String(kube.port),
      });
      assert.ok(kube.requests.some((request) => request.path === '/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/slipway-dev'));
    } finally {
      await kube.stop();
    }
  });

  it('mounts no token when automountServiceAccountToken is false, and the API server refuses a request without one (401)', async () => {
    const kube = await startKubeApi({ tls: true });
    try {
      assert.ok(kube.caCrt);
      const script = `${STAY}
        const fs = require('fs');
        require('https').get({ host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT, path: '/apis/coordination.k8s.io/v1/namespaces/ml-dev/leases/x', ca: ${JSON.stringify(kube.caCrt)} }, (response) => {
          console.log(JSON.stringify({ mounted: fs.existsSync('/var/run/secrets/kubernetes.io/serviceaccount'), status: response.statusCode }));
        }).on('error', (error) => console.log(JSON.stringify({ error: error.message })));`;
      const spec = scriptPod(script, {}, { automountServiceAccountToken: false });
      const serviceAccount = { host: kube.host, port: kube.port, token: kube.token, caCrt: kube.caCrt };

      const seen = await withPod(spec, options({ name: 'no-token', serviceAccount }), (_pod, app) => jsonLine(app));

      assert.deepEqual(seen, { mounted: false, status: 401 });
    } finally {
      await kube.stop();
    }
  });
});

describe('rendered workloads', () => {
  it('gives the PodSpec of a Deployment and of a CronJob from dist/dev', async () => {
    const rendered = await loadRendered(path.join(PROJECT_ROOT, 'dist/dev'));
    const controller = rendered.find('Deployment', 'slipway-controller');
    const trainer = rendered.find('CronJob', 'train-fraud-detector');
    assert.ok(controller && trainer);

    const controllerSpec = podTemplateOf(controller);
    const trainerSpec = podTemplateOf(trainer);

    assert.deepEqual(controllerSpec.containers.map((c) => [c.name, c.args?.[0]]), [['controller', 'controller']]);
    assert.deepEqual(trainerSpec.containers[0].args?.slice(0, 2), ['train', 'fraud-detector']);
    assert.equal(podMetadataOf(trainer).labels['app.kubernetes.io/component'], 'training');
    assert.equal(trainerSpec.restartPolicy, 'Never');
    assert.equal(rendered.find('Deployment', 'no-such-thing'), null);
  });
});

/** Pids whose root directory lies in `directory` (any mount namespace). */
function processesRootedIn(directory: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/root`).startsWith(directory);
      } catch {
        return false;
      }
    })
    .map(Number);
}
