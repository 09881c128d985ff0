import { type JsonSchema, artifactStore, documentSchema, map, flag, integer, list, name, number, object, text, version, duration } from './common.js';

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

/**
 * Pods that a NetworkPolicy admits: a namespace (by name or labels) and pods in it (by labels). At
 * least one field, since a peer with no selector at all is one Kubernetes refuses.
 */
const peer = (description: string): JsonSchema =>
  object(
    description,
    {
      namespace: name('The namespace, by name (its `kubernetes.io/metadata.name` label); the environment’s own when neither this nor `namespaceLabels` is given.'),
      namespaceLabels: map('Labels the namespaces must carry; `{}` is every namespace.', { type: 'string', maxLength: 63 }),
      podLabels: map('Labels the pods must carry; every pod of the namespaces when omitted.', { type: 'string', maxLength: 63 }),
    },
    [],
    { minProperties: 1 },
  );

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
          maxFallbackRatio: number(
            'Share of online-store lookups served from their defaults above which `SlipwayFeatureFallbackRatioHigh` fires (sustained 10 minutes). Default 0.1; unknown entities keep a few percent normal.',
            { exclusiveMinimum: 0, maximum: 1 },
          ),
        },
        ['redis'],
      ),
      artifacts: artifactStore('Overrides the project’s artifact store for this environment’s pods (a regional mirror, another endpoint or Secret).'),
      prometheus: object(
        'The Prometheus that scrapes this environment’s runtimes, evaluates their alerts and answers the controller.',
        {
          url: text('Prometheus base URL, queried by this environment’s controller (canary analysis, drift, firing alerts before a promotion).', { pattern: '^https?://' }),
          labels: map(
            'Labels put on the rendered ServiceMonitor and PrometheusRule only, so that the Prometheus’s `serviceMonitorSelector` and `ruleSelector` pick them up, e.g. `release: kube-prometheus-stack`. Slipway’s own `app.kubernetes.io/*` and `slipway.dev/*` labels win over these.',
            { type: 'string', maxLength: 63 },
          ),
          scrapedFrom: peer(
            'The Prometheus pods the runtime’s NetworkPolicy admits to its port. Default: pods labelled `app.kubernetes.io/name: prometheus` (what the Prometheus Operator sets) in the namespace `monitoring`.',
          ),
        },
        ['url'],
      ),
      network: object('How the runtime’s NetworkPolicy admits traffic; egress is derived from the stores and is not set here.', {
        ingressFrom: list(
          'The callers of the models, admitted to the runtime’s port besides Prometheus; each entry is one set of pods, and a pod that matches any entry is admitted. Default: every pod of the environment’s own namespace, and nothing from outside it. `[{ namespaceLabels: {} }]` admits every namespace; `[]` admits Prometheus only.',
          peer('One set of calling pods.'),
        ),
      }),
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
        trustedCAs: object(
          'The Secret key holding PEM CA certificates the pods trust besides the CAs Node ships: the private CA that signed a `rediss://` online store’s, an S3-compatible store’s or Prometheus’ certificate (cert-manager writes it as `ca.crt`). Mounted read-only into the runtime, controller, training and materialization containers and given to Node as NODE_EXTRA_CA_CERTS.',
          { name: name('Secret name.'), key: text('Key in the Secret.', { minLength: 1 }) },
          ['name', 'key'],
        ),
      }),
      image: text('Overrides the project’s image for every workload here (to try a Slipway release in one environment first).', { minLength: 1 }),
      runtime: object('Runtime settings shared by every deployment here.', {
        resources,
        auditSampleRate: { type: 'number', minimum: 0, maximum: 1, description: 'Fraction of predictions logged for audit.' },
        labelDelay: duration(
          'The longest a label may take to arrive on `/feedback` after its prediction (days for chargebacks). Each prediction’s record (version, class, score, time) stays this long in the online store, where any replica joins its label; about 150 bytes of Redis per prediction. Default `7d`.',
        ),
      }),
      deployments: list('Models served here.', deployment),
    },
    ['cluster', 'argocd', 'deployments'],
  ),
);
