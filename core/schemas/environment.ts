import { type JsonSchema, artifactStore, documentSchema, map, flag, integer, list, name, object, text, version, duration } from './common.js';

// Kubernetes' own quantity grammar (apimachinery resource.Quantity), so a typo fails here and not in Argo CD.
const QUANTITY_PATTERN = '^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?$';

const quantity = (description: string): JsonSchema => ({
  type: ['string', 'number'],
  description,
  pattern: QUANTITY_PATTERN,
});

const resourceList = (description: string): JsonSchema =>
  object(description, { cpu: quantity('CPU, e.g. `500m`.'), memory: quantity('Memory, e.g. `512Mi`.') });

const resources = object('Compute resources of each runtime container.', {
  requests: resourceList('Guaranteed resources.'),
  limits: resourceList('Upper bounds.'),
});

const deployment = object(
  'One model served in this environment: the stable version and, optionally, a canary or a shadow.',
  {
    model: name('Name of the ModelCard.'),
    stable: version('The version that answers requests.'),
    canary: object(
      'A version that answers a share of requests, routed sticky by entity key.',
      {
        version: version('The canary version.'),
        weight: integer('Percent of traffic the canary answers.', { minimum: 0, maximum: 100 }),
      },
      ['version', 'weight'],
    ),
    shadow: object(
      'A version that scores a copy of the traffic without answering.',
      { version: version('The shadow version.') },
      ['version'],
    ),
    rollout: name('RolloutPolicy that governs canary steps.'),
    drift: name('DriftPolicy that watches the served versions.'),
    replicas: object(
      'Pod count range for the autoscaler.',
      {
        min: integer('Fewest pods.', { minimum: 1 }),
        max: integer('Most pods.', { minimum: 1 }),
      },
      ['min', 'max'],
    ),
    targetCpuUtilization: integer('Average CPU percent the autoscaler aims for.', {
      minimum: 1,
      maximum: 100,
      default: 70,
    }),
    resources,
  },
  ['model', 'stable', 'replicas'],
);

/** `Environment`: a deployment target and what runs there. */
export const environmentSchema = documentSchema(
  'Environment',
  'A deployment target (dev, staging, prod): its cluster, Argo CD settings, stores, and the model versions it serves.',
  object(
    'The target and its deployments.',
    {
      description: text('What the environment is for.'),
      promotesFrom: name('The environment a version must have served in before it may come here.'),
      promotion: object(
        'The gate a version passes to enter this environment.',
        {
          policy: name('PromotionPolicy name.'),
          soak: duration('Overrides the policy’s soak time for this environment (a demo or a fast lane).'),
        },
        ['policy'],
      ),
      cluster: object(
        'Where Argo CD deploys.',
        {
          server: text('Kubernetes API server URL as Argo CD knows it.', { minLength: 1 }),
          namespace: name('Namespace the environment’s objects live in.'),
        },
        ['server', 'namespace'],
      ),
      argocd: object(
        'How Argo CD syncs the rendered manifests.',
        {
          namespace: name('Namespace Argo CD runs in.'),
          project: name('Argo CD AppProject name.'),
          autoSync: flag('Sync automatically when `dist/` changes.', true),
          selfHeal: flag('Revert changes made to the cluster by hand.', true),
          prune: flag('Delete objects that are no longer rendered.', true),
        },
        ['project'],
      ),
      onlineStore: object(
        'The Redis online store the runtime reads features from.',
        {
          redis: object('Redis connection.', {
            url: text('A single Redis, e.g. `redis://redis.ml-prod:6379`.', { pattern: '^rediss?://' }),
            nodes: list('Redis Cluster seed nodes as `host:port`; several nodes select the cluster client.', {
              type: 'string',
              pattern: '^[^:\\s]+:[0-9]+$',
            }, { minItems: 1 }),
            passwordSecret: object(
              'The Secret key holding the Redis password (AUTH), given to the runtime and materialization pods as SLIPWAY_REDIS_PASSWORD; never the value itself. Use `rediss://` for TLS.',
              { name: name('Secret name.'), key: text('Key in the Secret.', { minLength: 1 }) },
              ['name', 'key'],
            ),
          }),
          timeout: duration('Budget for one feature fetch before defaults are served, e.g. `5ms`.'),
        },
        ['redis'],
      ),
      artifacts: artifactStore('Overrides the project’s artifact store for this environment’s pods (a regional mirror, another endpoint or Secret).'),
      prometheus: object('Where metrics are queried.', { url: text('Prometheus base URL.', { pattern: '^https?://' }) }, [
        'url',
      ]),
      pods: object('Scheduling and identity of every pod rendered here (runtime, controller, training, materialization).', {
        serviceAccountAnnotations: map(
          'Annotations of the pods’ ServiceAccounts, e.g. `eks.amazonaws.com/role-arn` (IRSA) or `iam.gke.io/gcp-service-account` (workload identity), so that the artifact store is reached without keys.',
          { type: 'string' },
        ),
        imagePullSecrets: list('Secrets the kubelet pulls the image with, for a private registry.', name('Secret name.'), { uniqueItems: true }),
        nodeSelector: map('Node labels the pods must run on.', { type: 'string' }),
        tolerations: list(
          'Taints the pods tolerate.',
          object('One toleration, as Kubernetes defines it.', {
            key: text('Taint key.'),
            operator: { type: 'string', enum: ['Exists', 'Equal'], description: '`Equal` (default) or `Exists`.' },
            value: text('Taint value.'),
            effect: { type: 'string', enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'], description: 'The taint effect; every effect when omitted.' },
            tolerationSeconds: integer('How long a NoExecute taint is tolerated.', { minimum: 0 }),
          }),
        ),
        priorityClassName: text('The PriorityClass of every pod (the runtime should outrank batch jobs).', { minLength: 1 }),
      }),
      image: text('Overrides the project’s image for every workload here (to try a Slipway release in one environment first).', { minLength: 1 }),
      runtime: object('Runtime settings shared by every deployment here.', {
        resources,
        auditSampleRate: { type: 'number', minimum: 0, maximum: 1, description: 'Fraction of predictions logged for audit.' },
      }),
      deployments: list('Models served here.', deployment),
    },
    ['cluster', 'argocd', 'deployments'],
  ),
);
