/** The example catalog rendered: the fields that matter, asserted one by one, and determinism. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { buildBundle, parseBundle } from '../../core/bundle.js';
import type { Catalog } from '../../core/catalog.js';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { isPinnedImage } from '../../core/load/resolve-environments.js';
import { METRICS } from '../../core/metric-names.js';
import { formatDuration } from '../../core/units.js';
import { trainingPin } from '../../generators/catalog-pin.js';
import { render, type Rendering } from '../../generators/render.js';
import type { KubeObject } from '../../generators/validate.js';
import { PROJECT_ROOT } from '../support/example-repo.js';

// Any shape is fine for reading fields in assertions.
type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('render on the example catalog', () => {
  let catalog: Catalog;
  let rendering: Rendering;
  const object = (path: string): Any => {
    const found = rendering.objects.get(path);
    assert.ok(found, `${path} was not rendered; got ${[...rendering.objects.keys()].join(', ')}`);
    return found;
  };
  const wave = (path: string) => Number(object(path).metadata.annotations['argocd.argoproj.io/sync-wave']);

  before(async () => {
    catalog = await loadCatalogOrThrow(PROJECT_ROOT);
    rendering = render(catalog);
  });

  it('renders one folder per environment, one for its jobs, plus argocd, one file per object named <kind>-<name>.yaml', () => {
    assert.deepEqual(rendering.folders, ['argocd', 'dev', 'dev/jobs', 'prod', 'prod/jobs', 'staging', 'staging/jobs']);
    for (const [path, value] of rendering.objects) {
      assert.equal(path.split('/').at(-1), `${value.kind.toLowerCase()}-${value.metadata.name}.yaml`);
    }
    assert.deepEqual([...rendering.files.keys()], [...rendering.files.keys()].sort());
  });

  it('pins the runtime image of the environment and runs serve with the mounted bundle', () => {
    const deployment = object('prod/deployment-fraud-detector.yaml');
    const container = deployment.spec.template.spec.containers[0];
    assert.equal(container.image, catalog.environments.get('prod')!.image);
    assert.ok(isPinnedImage(container.image));
    assert.deepEqual(container.args, ['serve', '--bundle', '/etc/slipway/bundle/bundle.json', '--port', '8080', '--cache', '/var/cache/slipway/artifacts', '--drain-delay', '5s', '--drain-timeout', '10s']);
    // preStop 5 s + drain delay 5 s + in-flight 10 s, with time left to close: never SIGKILLed while draining.
    assert.deepEqual(container.lifecycle, { preStop: { sleep: { seconds: 5 } } });
    assert.equal(deployment.spec.template.spec.terminationGracePeriodSeconds, 25);
    // Fetched artifacts survive a container restart on their own volume; the root file system stays read-only.
    assert.deepEqual(container.volumeMounts.find((mount: Any) => mount.name === 'artifacts'), { name: 'artifacts', mountPath: '/var/cache/slipway/artifacts' });
    assert.deepEqual(deployment.spec.template.spec.volumes.find((volume: Any) => volume.name === 'artifacts'), { name: 'artifacts', emptyDir: { sizeLimit: '2Gi' } });
    assert.deepEqual(container.volumeMounts.find((mount: Any) => mount.name === 'bundle'), { name: 'bundle', mountPath: '/etc/slipway/bundle', readOnly: true });
    assert.deepEqual(deployment.spec.template.spec.volumes.find((volume: Any) => volume.name === 'bundle'), { name: 'bundle', configMap: { name: 'fraud-detector-bundle' } });
  });

  it('probes the KServe V2 health endpoints and exposes /metrics on 8080', () => {
    const pod = object('prod/deployment-fraud-detector.yaml').spec.template;
    const container = pod.spec.containers[0];
    assert.equal(container.livenessProbe.httpGet.path, '/v2/health/live');
    assert.equal(container.readinessProbe.httpGet.path, '/v2/health/ready');
    assert.equal(container.livenessProbe.httpGet.port, 'http');
    assert.deepEqual(container.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    // Scraped by the ServiceMonitor only: prometheus.io annotations beside it would scrape every pod twice.
    assert.equal(pod.metadata.annotations, undefined);
  });

  it('runs non-root with a read-only root file system and no capabilities', () => {
    const spec = object('prod/deployment-fraud-detector.yaml').spec.template.spec;
    assert.equal(spec.securityContext.runAsNonRoot, true);
    assert.ok(spec.securityContext.runAsUser > 0);
    assert.equal(spec.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.equal(spec.automountServiceAccountToken, false);
    const security = spec.containers[0].securityContext;
    assert.equal(security.readOnlyRootFilesystem, true);
    assert.equal(security.allowPrivilegeEscalation, false);
    assert.deepEqual(security.capabilities.drop, ['ALL']);
  });

  it('takes resources from the environment and spreads pods across zones and nodes', () => {
    const spec = object('prod/deployment-fraud-detector.yaml').spec.template.spec;
    assert.deepEqual(spec.containers[0].resources, JSON.parse(JSON.stringify(catalog.environments.get('prod')!.deployments[0].resources)));
    const keys = spec.topologySpreadConstraints.map((constraint: Any) => constraint.topologyKey);
    assert.deepEqual(keys, ['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    for (const constraint of spec.topologySpreadConstraints) {
      assert.deepEqual(constraint.labelSelector.matchLabels, object('prod/deployment-fraud-detector.yaml').spec.selector.matchLabels);
    }
  });

  it('leaves replicas to the autoscaler, whose range is the environment deployment replicas', () => {
    assert.equal(object('prod/deployment-fraud-detector.yaml').spec.replicas, undefined);
    for (const env of ['dev', 'staging', 'prod']) {
      const hpa = object(`${env}/horizontalpodautoscaler-fraud-detector.yaml`);
      const replicas = catalog.environments.get(env)!.deployments[0].replicas;
      assert.equal(hpa.spec.minReplicas, replicas.min);
      assert.equal(hpa.spec.maxReplicas, replicas.max);
      assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'fraud-detector' });
      assert.equal(hpa.spec.metrics[0].resource.target.averageUtilization, 70);
    }
    assert.equal(object('prod/horizontalpodautoscaler-fraud-detector.yaml').spec.maxReplicas, 40);
  });

  it('never restarts pods on a bundle change: no checksum in the pod template', () => {
    const annotations = object('staging/deployment-fraud-detector.yaml').spec.template.metadata.annotations ?? {};
    assert.deepEqual(Object.keys(annotations).filter((key) => /checksum|bundle/i.test(key)), []);
  });

  it('budgets disruptions one pod at a time over the runtime pods', () => {
    const pdb = object('dev/poddisruptionbudget-fraud-detector.yaml');
    assert.equal(pdb.spec.maxUnavailable, 1);
    assert.equal(pdb.spec.minAvailable, undefined);
    assert.deepEqual(pdb.spec.selector.matchLabels, object('dev/deployment-fraud-detector.yaml').spec.selector.matchLabels);
  });

  it('admits only port 8080 in, from declared sources, and only DNS and Redis out', () => {
    const policy = object('prod/networkpolicy-fraud-detector.yaml');
    assert.deepEqual(policy.spec.policyTypes, ['Ingress', 'Egress']);
    assert.equal(policy.spec.ingress.length, 1);
    assert.deepEqual(policy.spec.ingress[0].ports, [{ port: 8080, protocol: 'TCP' }]);
    assert.equal(policy.spec.ingress[0].from.length, 2, 'Prometheus and the declared caller');
    const egressPorts = policy.spec.egress.flatMap((rule: Any) => rule.ports.map((port: Any) => `${port.protocol}/${port.port}`));
    assert.deepEqual(egressPorts, ['UDP/53', 'TCP/53', 'TCP/6379']);
  });

  it('puts the bundle from core/bundle.ts into the ConfigMap, canary included where declared', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const text = object(`${env}/configmap-fraud-detector-bundle.yaml`).data['bundle.json'];
      assert.deepEqual(parseBundle(JSON.parse(text), env), JSON.parse(JSON.stringify(buildBundle(catalog, env, 'fraud-detector'))));
    }
    const staging = parseBundle(JSON.parse(object('staging/configmap-fraud-detector-bundle.yaml').data['bundle.json']), 'staging');
    assert.deepEqual(staging.versions.map((version) => [version.role, version.version, version.weight]), [
      ['stable', '1.4.0', 90],
      ['canary', '2.0.0', 10],
    ]);
    assert.match(staging.versions[1].artifact.sha256, /^[a-f0-9]{64}$/);
  });

  it('lands ConfigMaps and NetworkPolicies before Deployments, and the Namespace first', () => {
    assert.ok(wave('prod/namespace-ml-prod.yaml') < wave('prod/serviceaccount-slipway-controller.yaml'));
    assert.ok(wave('prod/configmap-fraud-detector-bundle.yaml') < wave('prod/deployment-fraud-detector.yaml'));
    assert.ok(wave('prod/networkpolicy-fraud-detector.yaml') < wave('prod/deployment-fraud-detector.yaml'));
    assert.ok(wave('prod/deployment-fraud-detector.yaml') < wave('prod/horizontalpodautoscaler-fraud-detector.yaml'));
    // Alerts exist before the pods they watch, so a crash-looping runtime still pages someone.
    assert.ok(wave('prod/prometheusrule-fraud-detector.yaml') < wave('prod/deployment-fraud-detector.yaml'));
    assert.ok(wave('prod/servicemonitor-fraud-detector.yaml') < wave('prod/deployment-fraud-detector.yaml'));
    assert.equal(object('prod/namespace-ml-prod.yaml').metadata.annotations['argocd.argoproj.io/sync-options'], 'Delete=false');
    for (const [path, value] of rendering.objects) {
      assert.ok(value.metadata.annotations?.['argocd.argoproj.io/sync-wave'] !== undefined, `${path} has no sync wave`);
    }
  });

  it('scrapes the runtime Service on its http port at /metrics', () => {
    const monitor = object('prod/servicemonitor-fraud-detector.yaml');
    assert.deepEqual(monitor.spec.selector.matchLabels, object('prod/service-fraud-detector.yaml').spec.selector);
    assert.equal(monitor.spec.endpoints[0].port, 'http');
    assert.equal(monitor.spec.endpoints[0].path, '/metrics');
    assert.equal(object('prod/service-fraud-detector.yaml').spec.ports[0].port, 8080);
  });

  it('alerts on the RolloutPolicy SLOs with its thresholds and window', () => {
    const rules = object('prod/prometheusrule-fraud-detector.yaml').spec.groups.find((group: Any) => group.name === 'fraud-detector-slo').rules;
    const errorRate = rules.find((rule: Any) => rule.alert === 'SlipwayErrorRateHigh');
    assert.match(errorRate.expr, new RegExp(`rate\\(${METRICS.predictionErrors}\\{namespace="ml-prod", model="fraud-detector"\\}\\[10m\\]\\)`));
    assert.match(errorRate.expr, /rate\(slipway_request_duration_seconds_count\{namespace="ml-prod", model="fraud-detector", route=~"infer\|score"\}\[10m\]\)/, 'predictions only in the denominator');
    assert.match(errorRate.expr, / > 0\.05 /);
    assert.match(errorRate.expr, / >= 500$/);
    const latency = rules.find((rule: Any) => rule.alert === 'SlipwayLatencyP99High');
    assert.match(latency.expr, new RegExp(`^histogram_quantile\\(0\\.99, sum by \\(model, version, le\\) \\(rate\\(${METRICS.requestDuration}_bucket`));
    assert.match(latency.expr, / > 0\.01 /);
    assert.equal(latency.labels.severity, 'critical');
    const rollout = catalog.rolloutPolicies.get('fraud-canary')!;
    assert.equal(errorRate.for, formatDuration(rollout.analysis.intervalMs));
  });

  it('alerts on drift per feature at the DriftPolicy warn and act levels, and on score PSI, over recorded fleet statistics', () => {
    const rules = object('prod/prometheusrule-fraud-detector.yaml').spec.groups.find((group: Any) => group.name === 'fraud-detector-drift').rules;
    const drift = catalog.driftPolicies.get('fraud-drift')!;
    const recorded = rules.filter((rule: Any) => rule.record === 'slipway:drift_statistic:drift_window');
    const stable = catalog.models.get('fraud-detector')!.versions.get('1.4.0')!;
    assert.deepEqual(recorded.map((rule: Any) => rule.labels.feature).sort(), [...stable.inputs.map((input) => input.ref), 'score'].sort(), 'one statistic per input and the score');
    const amount = recorded.find((rule: Any) => rule.labels.feature === 'transaction-features:amount');
    assert.equal(amount.labels.statistic, drift.numeric.statistic);
    assert.ok(amount.expr.includes(`clamp_min(slipway:drift_share:drift_window{namespace="ml-prod", model="fraud-detector", version="1.4.0", feature="transaction-features:amount", bin="0"}, 0.0001)`), amount.expr);
    const counts = rules.find((rule: Any) => rule.record === 'slipway:drift_observations:drift_window');
    assert.match(counts.expr, new RegExp(`last_over_time\\(${METRICS.driftObservations}\\{namespace="ml-prod", model="fraud-detector"\\}\\[${formatDuration(drift.windowMs)}\\] offset ${formatDuration(drift.windowMs)}\\)`));
    const numericAct = rules.find((rule: Any) => rule.alert === 'SlipwayFeatureDriftAction' && rule.labels.slipway_input_type === 'numeric');
    assert.ok(numericAct.expr.includes(`input_type="numeric"} offset ${formatDuration(drift.windowMs)} > ${drift.numeric.act})`), 'the previous window too');
    assert.ok(numericAct.expr.includes(`>= ${drift.minFeatures})`), 'minFeatures');
    assert.ok(numericAct.expr.includes(`slipway:drift_samples:drift_window{namespace="ml-prod", model="fraud-detector"} offset ${formatDuration(drift.windowMs)} >= ${drift.minSamples})`), 'minSamples in every window');
    const categoricalWarn = rules.find((rule: Any) => rule.alert === 'SlipwayFeatureDriftWarning' && rule.labels.slipway_input_type === 'categorical');
    assert.ok(categoricalWarn.expr.includes(`input_type="categorical"} > ${drift.categorical.warn})`), categoricalWarn.expr);
    assert.equal(categoricalWarn.labels.severity, 'warning');
    const scoreAct = rules.find((rule: Any) => rule.alert === 'SlipwayScoreDriftAction');
    assert.ok(scoreAct.expr.includes(`input_type="score"} > ${drift.score!.act})`), scoreAct.expr);
    assert.doesNotMatch(scoreAct.expr, /count by/, 'the score acts on its own, whatever minFeatures says');
    // Every metric a rule reads is one the runtime exports, or one the group records.
    const known = new Set<string>(Object.values(METRICS));
    for (const rule of rules) {
      for (const name of rule.expr.match(/slipway_[a-z0-9_]+/g) ?? []) assert.ok(known.has(name.replace(/_(bucket|count|sum)$/, '')), `${name} is not in core/metric-names.ts`);
      for (const name of rule.expr.match(/slipway:[a-z_]+:[a-z_]+/g) ?? []) assert.ok(rules.some((other: Any) => other.record === name), `${name} is not recorded`);
    }
  });

  it('renders no SLO group where the deployment has no RolloutPolicy', () => {
    const groups = object('dev/prometheusrule-fraud-detector.yaml').spec.groups.map((group: Any) => group.name);
    assert.deepEqual(groups, ['fraud-detector-serving', 'fraud-detector-drift']);
  });

  it('alerts, in every environment, when a declared version cannot be fetched or loaded and when a pod serves nothing', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const serving = object(`${env}/prometheusrule-fraud-detector.yaml`).spec.groups.find((group: Any) => group.name === 'fraud-detector-serving');
      const byName = new Map(serving.rules.map((rule: Any) => [rule.alert, rule]));
      const fetch = byName.get('SlipwayArtifactFetchFailing') as Any;
      assert.match(fetch.expr, /increase\(slipway_artifact_fetches_total\{namespace="ml-[a-z]+", model="fraud-detector", result=~"[^"]*sha256-mismatch[^"]*"\}\[10m\]\)\) > 0$/);
      assert.doesNotMatch(fetch.expr, /result=~"[^"]*\bok\b/, 'a successful fetch is no alert');
      const notServing = byName.get('SlipwayNotServing') as Any;
      assert.match(notServing.expr, /^min by \(model\) \(slipway_serving\{namespace="ml-[a-z]+", model="fraud-detector"\}\) == 0$/);
      assert.equal(notServing.labels.severity, 'critical');
    }
  });

  it('trains once, in the first environment, in a Job named after the trigger id', () => {
    const triggerId = catalog.models.get('fraud-detector')!.training.triggerId;
    const job = object(`dev/jobs/job-train-fraud-detector-${triggerId}.yaml`);
    assert.equal(job.metadata.name, `train-fraud-detector-${triggerId}`);
    assert.equal(job.metadata.labels['slipway.dev/trigger-id'], triggerId);
    // The pod clones the repository first (nothing of the catalog is in the image), then trains from that checkout.
    const pin = trainingPin(catalog, catalog.models.get('fraud-detector')!);
    assert.deepEqual(job.spec.template.spec.initContainers[0].args, [
      'checkout', '--repository', catalog.project.repository.url, '--branch', 'main',
      '--catalog-digest', pin.digest, '--catalog-files', pin.files.join(','), '--dir', '/workspace/repo',
    ]);
    assert.deepEqual(job.spec.template.spec.containers[0].args, ['train', 'fraud-detector', '/workspace/repo', '--trigger', triggerId]);
    assert.equal(job.spec.template.spec.containers[0].image, catalog.project.image);
    assert.equal(job.spec.ttlSecondsAfterFinished, undefined);
    const jobs = [...rendering.objects.values()].filter((value) => value.kind === 'Job');
    assert.equal(jobs.length, 1, 'training must render into exactly one environment');
    const cron = object('dev/jobs/cronjob-train-fraud-detector.yaml');
    assert.equal(cron.spec.schedule, '0 3 * * 1');
    assert.equal(cron.spec.concurrencyPolicy, 'Forbid');
  });

  it('materializes each online feature view the deployed versions read', () => {
    const crons = [...rendering.objects.keys()].filter((path) => path.startsWith('prod/jobs/cronjob-materialize-'));
    assert.deepEqual(crons, ['prod/jobs/cronjob-materialize-behavioral-features.yaml', 'prod/jobs/cronjob-materialize-transaction-features.yaml', 'prod/jobs/cronjob-materialize-user-features.yaml']);
    const args = object('prod/jobs/cronjob-materialize-user-features.yaml').spec.jobTemplate.spec.template.spec.containers[0].args;
    assert.deepEqual(args, ['materialize', '/workspace/repo', '--env', 'prod', '--view', 'user-features']);
  });

  it('gives the controller read-only RBAC: its own Lease, and Argo CD Applications', () => {
    const role = object('prod/role-slipway-controller.yaml');
    assert.deepEqual(role.rules, [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['slipway-controller'], verbs: ['get', 'update'] },
    ]);
    const reader = object('argocd/role-slipway-controller-prod.yaml');
    assert.equal(reader.metadata.namespace, 'argocd');
    // Only the Applications prod's controller gates on: prod's own, and staging's, which it promotes from.
    assert.deepEqual(reader.rules, [{ apiGroups: ['argoproj.io'], resources: ['applications'], resourceNames: ['slipway-prod', 'slipway-staging'], verbs: ['get'] }]);
    assert.deepEqual(object('argocd/role-slipway-controller-dev.yaml').rules[0].resourceNames, ['slipway-dev']);
    const binding = object('argocd/rolebinding-slipway-controller-prod.yaml');
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'slipway-controller', namespace: 'ml-prod' }]);
    const controller = object('prod/deployment-slipway-controller.yaml').spec.template.spec;
    assert.equal(controller.serviceAccountName, 'slipway-controller');
    assert.equal(controller.containers[0].image, catalog.project.image);
    // Nothing of the catalog is in the image: the controller clones the Project's repository into its volume.
    assert.deepEqual(controller.containers[0].args, [
      'controller', '--watch', '--env', 'prod', '--clone', '--forge', 'github', '--branch', 'main', '--work-dir', '/var/lib/slipway/workspace', '--port', '8081',
    ]);
    assert.equal(controller.containers[0].readinessProbe.httpGet.path, '/healthz');
    assert.equal(controller.containers[0].startupProbe.failureThreshold * controller.containers[0].startupProbe.periodSeconds, 300, 'five minutes to clone');
    const service = object('prod/service-slipway-controller.yaml');
    assert.deepEqual(service.spec.ports, [{ name: 'http', port: 8081, targetPort: 'http', protocol: 'TCP' }]);
    assert.deepEqual(service.spec.selector, object('prod/deployment-slipway-controller.yaml').spec.selector.matchLabels);
    assert.deepEqual(
      controller.containers[0].env.filter((variable: { name: string }) => variable.name === 'SLIPWAY_GIT_URL' || variable.name === 'GITHUB_REPOSITORY'),
      [
        { name: 'SLIPWAY_GIT_URL', value: catalog.project.repository.url },
        { name: 'GITHUB_REPOSITORY', value: 'acme/fraud-platform' },
      ],
    );
  });

  it('points one Argo CD Application per environment at dist/<env>, with its sync options', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const app = object(`argocd/application-slipway-${env}.yaml`);
      assert.equal(app.spec.source.path, `dist/${env}`);
      assert.equal(app.spec.source.repoURL, catalog.project.repository.url);
      assert.equal(app.spec.source.targetRevision, catalog.project.repository.branch);
      assert.equal(app.spec.destination.namespace, catalog.environments.get(env)!.cluster.namespace);
      assert.equal(app.spec.project, 'ml-platform');
      assert.deepEqual(app.spec.syncPolicy.automated, { prune: true, selfHeal: true });
      assert.ok(app.spec.syncPolicy.syncOptions.includes('PruneLast=true'));
      assert.equal(app.spec.ignoreDifferences, undefined);
    }
    const root = object('argocd/application-slipway.yaml');
    assert.equal(root.spec.source.path, 'dist/argocd');
    const project = object('argocd/appproject-ml-platform.yaml');
    assert.deepEqual(project.spec.sourceRepos, [catalog.project.repository.url]);
    assert.deepEqual(project.spec.destinations.map((destination: Any) => destination.namespace), ['ml-dev', 'ml-staging', 'ml-prod']);
  });

  it('keeps every Job and CronJob out of the Application whose health gates promotions', () => {
    for (const [path, value] of rendering.objects) {
      if (value.kind !== 'Job' && value.kind !== 'CronJob') continue;
      const [env, folder] = path.split('/');
      assert.equal(folder, 'jobs', `${path} must be in dist/${env}/jobs/, which the environment’s Application does not read`);
    }
    for (const env of ['dev', 'staging', 'prod']) {
      // The environment's Application reads only the top of its folder (Argo CD's directory source, recurse: false).
      assert.deepEqual(object(`argocd/application-slipway-${env}.yaml`).spec.source.directory, { recurse: false });
      assert.ok([...rendering.objects.keys()].some((path) => path.startsWith(`${env}/jobs/`)), `${env} renders jobs`);
    }
  });

  it('syncs each environment’s jobs with an Application of their own, in one wave, with no prune wave', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const app = object(`argocd/application-slipway-${env}-jobs.yaml`);
      assert.equal(app.spec.source.path, `dist/${env}/jobs`);
      assert.deepEqual(app.spec.source.directory, { recurse: false });
      assert.equal(app.spec.destination.namespace, catalog.environments.get(env)!.cluster.namespace);
      assert.equal(app.spec.project, 'ml-platform');
      assert.deepEqual(app.spec.syncPolicy.automated, { prune: true, selfHeal: true });
      // PruneLast would add a wave, and Argo CD waits for each wave to be healthy: hours for a training run.
      assert.ok(!app.spec.syncPolicy.syncOptions.includes('PruneLast=true'));
      assert.ok(app.spec.syncPolicy.syncOptions.includes('RespectIgnoreDifferences=true'));
      assert.deepEqual(app.spec.ignoreDifferences, [{ group: 'batch', kind: 'Job', jsonPointers: ['/spec'] }]);
      assert.ok(wave(`argocd/application-slipway-${env}-jobs.yaml`) > wave(`argocd/application-slipway-${env}.yaml`));
      const waves = new Set([...rendering.objects.keys()].filter((path) => path.startsWith(`${env}/jobs/`)).map(wave));
      assert.deepEqual([...waves], [0], `one sync wave in dist/${env}/jobs`);
    }
  });

  it('lets the controller read only the Applications it gates on, never a jobs Application', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const names: string[] = object(`argocd/role-slipway-controller-${env}.yaml`).rules.flatMap((rule: Any) => rule.resourceNames);
      assert.ok(names.length > 0);
      assert.ok(names.every((name) => !name.endsWith('-jobs')), names.join(', '));
    }
  });

  it('enforces the restricted Pod Security Standard on the namespace', () => {
    assert.equal(object('prod/namespace-ml-prod.yaml').metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
    assert.equal(object('prod/namespace-ml-prod.yaml').metadata.namespace, undefined);
  });

  it('is byte-identical when rendered twice, even from a freshly loaded catalog', async () => {
    const again = render(await loadCatalogOrThrow(PROJECT_ROOT));
    assert.deepEqual([...again.files.keys()], [...rendering.files.keys()]);
    for (const [path, text] of rendering.files) assert.equal(again.files.get(path), text, path);
  });

  it('writes YAML that reads back as the very objects it rendered, with no timestamps', () => {
    for (const [path, text] of rendering.files) {
      assert.deepEqual(parse(text, { version: '1.1' }), rendering.objects.get(path) as KubeObject, path);
      assert.deepEqual(parse(text), rendering.objects.get(path) as KubeObject, path);
      assert.doesNotMatch(text, /creationTimestamp|\d{4}-\d\d-\d\dT\d\d:/, path);
    }
  });

  it('renders one environment alone with --env, without the argocd folder', () => {
    const only = render(catalog, { environment: 'staging' });
    assert.deepEqual(only.folders, ['staging', 'staging/jobs']);
    assert.equal(only.complete, false);
    assert.ok([...only.files.keys()].every((path) => path.startsWith('staging/')));
    assert.equal(only.files.get('staging/deployment-fraud-detector.yaml'), rendering.files.get('staging/deployment-fraud-detector.yaml'));
  });
});
