/** An environment's `pods` settings reach every pod rendered for it, and nothing else. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadCatalogOrThrow } from '../../core/load/load-catalog.js';
import { render, type Rendering } from '../../generators/render.js';
import { copyExampleRepo } from '../support/example-repo.js';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const PODS = `  pods:
    serviceAccountAnnotations: { eks.amazonaws.com/role-arn: "arn:aws:iam::123456789012:role/fraud-prod" }
    imagePullSecrets: [ghcr-pull]
    nodeSelector: { node-pool: models }
    tolerations:
      - { key: dedicated, operator: Equal, value: models, effect: NoSchedule }
    priorityClassName: model-serving
    trustedCAs: { name: internal-ca, key: ca.crt }
`;

describe('an environment with pod settings', () => {
  let repo: { root: string; dispose: () => Promise<void> };
  let rendering: Rendering;
  const object = (file: string): Any => {
    const found = rendering.objects.get(file);
    assert.ok(found, `${file} was not rendered`);
    return found;
  };

  before(async () => {
    repo = await copyExampleRepo();
    const file = path.join(repo.root, 'environments/dev.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('  deployments:\n', `${PODS}  deployments:\n`));
    rendering = render(await loadCatalogOrThrow(repo.root));
  });
  after(() => repo.dispose());

  it('schedules every pod of the environment as declared: runtime, training, materialization and controller', () => {
    const dev = [...rendering.objects.entries()].filter(([file]) => file.startsWith('dev/'));
    const templates = dev
      .map(([, value]) => value as Any)
      .filter((value) => ['Deployment', 'Job', 'CronJob'].includes(value.kind))
      .map((value) => [`${value.kind}/${value.metadata.name}`, value.kind === 'CronJob' ? value.spec.jobTemplate.spec.template.spec : value.spec.template.spec] as const);
    assert.ok(templates.length >= 6, templates.map(([name]) => name).join(', '));
    for (const [name, spec] of templates) {
      assert.deepEqual(spec.imagePullSecrets, [{ name: 'ghcr-pull' }], name);
      assert.deepEqual(spec.nodeSelector, { 'node-pool': 'models' }, name);
      assert.deepEqual(spec.tolerations, [{ key: 'dedicated', operator: 'Equal', value: 'models', effect: 'NoSchedule' }], name);
      assert.equal(spec.priorityClassName, 'model-serving', name);
    }
  });

  it('mounts the trusted CAs into every Slipway container and points NODE_EXTRA_CA_CERTS at them', () => {
    const dev = [...rendering.objects.entries()].filter(([file]) => file.startsWith('dev/')).map(([, value]) => value as Any);
    const pods = dev
      .filter((value) => ['Deployment', 'Job', 'CronJob'].includes(value.kind))
      .map((value) => [`${value.kind}/${value.metadata.name}`, value.kind === 'CronJob' ? value.spec.jobTemplate.spec.template.spec : value.spec.template.spec] as const);
    for (const [name, spec] of pods) {
      assert.deepEqual(spec.volumes.filter((volume: Any) => volume.name === 'trusted-ca'), [{ name: 'trusted-ca', secret: { secretName: 'internal-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }], name);
      // The main container (not the checkout, whose git keeps its own CA store).
      const [main] = spec.containers;
      assert.ok(main.volumeMounts.some((mount: Any) => mount.name === 'trusted-ca' && mount.mountPath === '/etc/slipway/trusted-ca' && mount.readOnly === true), name);
      assert.deepEqual(main.env.filter((variable: Any) => variable.name === 'NODE_EXTRA_CA_CERTS'), [{ name: 'NODE_EXTRA_CA_CERTS', value: '/etc/slipway/trusted-ca/ca.crt' }], name);
    }
  });

  it('gives the workload and controller identities the annotations IRSA reads, and the workloads no API token', () => {
    const workload = object('dev/serviceaccount-slipway-workload.yaml');
    assert.equal(workload.metadata.annotations['eks.amazonaws.com/role-arn'], 'arn:aws:iam::123456789012:role/fraud-prod');
    assert.equal(workload.automountServiceAccountToken, false);
    assert.equal(object('dev/deployment-fraud-detector.yaml').spec.template.spec.serviceAccountName, 'slipway-workload');
    assert.equal(object('dev/serviceaccount-slipway-controller.yaml').metadata.annotations['eks.amazonaws.com/role-arn'], 'arn:aws:iam::123456789012:role/fraud-prod');
  });

  it('leaves the other environments as they were', () => {
    const prod = object('prod/deployment-fraud-detector.yaml').spec.template.spec;
    assert.equal(prod.nodeSelector, undefined);
    assert.equal(prod.imagePullSecrets, undefined);
    assert.equal(prod.volumes.some((volume: Any) => volume.name === 'trusted-ca'), false);
    assert.equal(object('prod/serviceaccount-slipway-workload.yaml').metadata.annotations['eks.amazonaws.com/role-arn'], undefined);
  });
});
