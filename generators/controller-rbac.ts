/**
 * The controller's identity and least-privilege RBAC. The controller never writes to the cluster:
 * it reads Argo CD Applications and holds a leader-election Lease, nothing else.
 *
 * - In the environment's namespace: `create` on leases (Kubernetes cannot restrict `create` by
 *   name, since the object does not exist yet) and `get`/`update` on the one Lease named
 *   `slipway-controller`. Without these a second replica could not wait for or take over
 *   leadership; with them a compromised controller can at worst hold its own lock.
 * - In Argo CD's namespace: `get` on the Applications it gates on only (its own environment's and
 *   the one it promotes from), to see whether they are Synced and Healthy at the merged revision.
 *   No list, no other Application, no secrets, no AppProjects, no writes.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { Environment } from '../core/catalog.js';
import { baseLabels, SYNC_WAVES, syncWave } from './labels.js';
import { CONTROLLER_NAME, controllerArgoRoleName, environmentApplicationName } from './names.js';

/** Props of the controller's RBAC objects. */
export interface ControllerRbacProps {
  /** The environment the controller runs in. */
  readonly environment: Environment;
}

function controllerLabels(environment: Environment): Record<string, string> {
  return baseLabels(environment.name, 'controller', CONTROLLER_NAME, environment);
}

/** The controller's ServiceAccount in the environment's namespace. */
export class ControllerServiceAccount extends ApiObject {
  constructor(scope: Construct, id: string, props: ControllerRbacProps) {
    const { environment } = props;
    super(scope, id, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      // The environment's identity annotations too: the controller reads training results from the artifact store.
      metadata: {
        name: CONTROLLER_NAME,
        namespace: environment.cluster.namespace,
        labels: controllerLabels(environment),
        annotations: { ...environment.pods.serviceAccountAnnotations, ...syncWave(SYNC_WAVES.identity) },
      },
      automountServiceAccountToken: true,
    });
  }
}

/** Leader election only: create leases, and get or update the controller's own Lease. */
export class ControllerLeaseRole extends ApiObject {
  constructor(scope: Construct, id: string, props: ControllerRbacProps) {
    const { environment } = props;
    super(scope, id, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      // The environment's identity annotations too: the controller reads training results from the artifact store.
      metadata: {
        name: CONTROLLER_NAME,
        namespace: environment.cluster.namespace,
        labels: controllerLabels(environment),
        annotations: { ...environment.pods.serviceAccountAnnotations, ...syncWave(SYNC_WAVES.identity) },
      },
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [CONTROLLER_NAME], verbs: ['get', 'update'] },
      ],
    });
  }
}

/** Binds the lease Role to the controller's ServiceAccount. */
export class ControllerLeaseRoleBinding extends ApiObject {
  constructor(scope: Construct, id: string, props: ControllerRbacProps) {
    const { environment } = props;
    super(scope, id, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      // The environment's identity annotations too: the controller reads training results from the artifact store.
      metadata: {
        name: CONTROLLER_NAME,
        namespace: environment.cluster.namespace,
        labels: controllerLabels(environment),
        annotations: { ...environment.pods.serviceAccountAnnotations, ...syncWave(SYNC_WAVES.identity) },
      },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: CONTROLLER_NAME },
      subjects: [{ kind: 'ServiceAccount', name: CONTROLLER_NAME, namespace: environment.cluster.namespace }],
    });
  }
}

/** Read-only access to Argo CD Applications, in Argo CD's namespace. */
export class ControllerApplicationReaderRole extends ApiObject {
  constructor(scope: Construct, id: string, props: ControllerRbacProps) {
    const { environment } = props;
    super(scope, id, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: controllerArgoRoleName(environment.name), namespace: environment.argocd.namespace, labels: controllerLabels(environment), annotations: syncWave(SYNC_WAVES.identity) },
      rules: [{ apiGroups: ['argoproj.io'], resources: ['applications'], resourceNames: gatedApplications(environment), verbs: ['get'] }],
    });
  }
}

/** The Applications whose health gates this environment's proposals: its own, and the one it promotes from. */
export function gatedApplications(environment: Environment): string[] {
  const environments = environment.promotesFrom === undefined ? [environment.name] : [environment.name, environment.promotesFrom];
  return environments.map(environmentApplicationName).sort();
}

/** Binds the Application reader Role to the environment's controller ServiceAccount. */
export class ControllerApplicationReaderRoleBinding extends ApiObject {
  constructor(scope: Construct, id: string, props: ControllerRbacProps) {
    const { environment } = props;
    const name = controllerArgoRoleName(environment.name);
    super(scope, id, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: environment.argocd.namespace, labels: controllerLabels(environment), annotations: syncWave(SYNC_WAVES.identity) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: CONTROLLER_NAME, namespace: environment.cluster.namespace }],
    });
  }
}
