/**
 * The raw document types, generated from the JSON Schemas in core/schemas by
 * `npm run generate`. Do not edit: change the schema and regenerate.
 */
/* eslint-disable */

// Project
/**
 * The repository itself: its name, the Git remote Argo CD watches, the forge, and the Slipway image.
 */
export interface ProjectDocument {
  /**
   * Always `slipway.dev/v1alpha1`.
   */
  apiVersion: "slipway.dev/v1alpha1";
  /**
   * Always `Project`.
   */
  kind: "Project";
  /**
   * Identity and ownership of the document.
   */
  metadata: {
    /**
     * Unique among documents of this kind; a DNS-1123 label because it names Kubernetes objects.
     */
    name: string;
    /**
     * The team accountable for this document; becomes its CODEOWNERS entry.
     */
    owner: string;
    /**
     * Kubernetes-style labels, copied onto every object rendered from this document.
     */
    labels?: {
      [k: string]: string;
    };
    /**
     * Free-form annotations for people and tools.
     */
    annotations?: {
      [k: string]: string;
    };
  };
  /**
   * Project settings.
   */
  spec: {
    /**
     * What the repository serves.
     */
    description?: string;
    /**
     * The Git remote Argo CD watches.
     */
    repository: {
      /**
       * Clone URL.
       */
      url: string;
      /**
       * Branch Argo CD tracks and pull requests target.
       */
      branch?: string;
    };
    /**
     * Where pull requests are opened.
     */
    forge: {
      /**
       * `github`, or `local` for a plain Git repository.
       */
      type: "github" | "local";
      /**
       * `owner/repo` on GitHub.
       */
      repository?: string;
    };
    /**
     * The Slipway image every workload runs (runtime, controller, training, materialization): one program, one image. Name it by digest (`…@sha256:…`), as the release publishes it; a tag other than `latest` is accepted where no `pinnedImages` guardrail applies.
     */
    image: string;
    /**
     * Where trained artifacts and training results are published and read; the `models` directory when omitted.
     */
    artifacts?: {
      /**
       * `s3://bucket/prefix` (AWS or any S3-compatible store), `https://host/prefix` (read only), `file:///dir`, or a directory relative to the repository root (the embedded default, `models`, which only this machine can read).
       */
      url: string;
      /**
       * An S3-compatible endpoint (MinIO, Ceph, R2, GCS interoperability), addressed path-style; AWS when omitted.
       */
      endpoint?: string;
      /**
       * A Secret in each namespace whose keys (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, …) become environment variables of the pods that read or write the store; omit it to use the ServiceAccount’s identity (IRSA, workload identity) or the node’s.
       */
      credentialsSecret?: string;
    };
  };
}

// Entity
/**
 * An entity: the business object features describe (a transaction, a user) and its join key.
 */
export interface EntityDocument {
  /**
   * Always `slipway.dev/v1alpha1`.
   */
  apiVersion: "slipway.dev/v1alpha1";
  /**
   * Always `Entity`.
   */
  kind: "Entity";
  /**
   * Identity and ownership of the document.
   */
  metadata: {
    /**
     * Unique among documents of this kind; a DNS-1123 label because it names Kubernetes objects.
     */
    name: string;
    /**
     * The team accountable for this document; becomes its CODEOWNERS entry.
     */
    owner: string;
    /**
     * Kubernetes-style labels, copied onto every object rendered from this document.
     */
    labels?: {
      [k: string]: string;
    };
    /**
     * Free-form annotations for people and tools.
     */
    annotations?: {
      [k: string]: string;
    };
  };
  /**
   * What identifies the entity.
   */
  spec: {
    /**
     * Column and online-store key name holding the entity id, e.g. `user_id`.
     */
    joinKey: string;
    /**
     * Type of the join key values.
     */
    valueType?: "string" | "int32" | "int64";
    /**
     * What the entity is.
     */
    description?: string;
  };
}

// FeatureView
/**
 * A group of features read from one offline source and keyed by one or more entities.
 */
export interface FeatureViewDocument {
  /**
   * Always `slipway.dev/v1alpha1`.
   */
  apiVersion: "slipway.dev/v1alpha1";
  /**
   * Always `FeatureView`.
   */
  kind: "FeatureView";
  /**
   * Identity and ownership of the document.
   */
  metadata: {
    /**
     * Unique among documents of this kind; a DNS-1123 label because it names Kubernetes objects.
     */
    name: string;
    /**
     * The team accountable for this document; becomes its CODEOWNERS entry.
     */
    owner: string;
    /**
     * Kubernetes-style labels, copied onto every object rendered from this document.
     */
    labels?: {
      [k: string]: string;
    };
    /**
     * Free-form annotations for people and tools.
     */
    annotations?: {
      [k: string]: string;
    };
  };
  /**
   * Source, keys and features of the view.
   */
  spec: {
    /**
     * What the view holds and where it comes from.
     */
    description?: string;
    /**
     * Names of the Entity documents that key this view.
     *
     * @minItems 1
     *
     * Items: An Entity name.
     */
    entities: string[];
    /**
     * How long a value stays valid online and in point-in-time joins, e.g. `24h`.
     */
    ttl: string;
    /**
     * Whether the view is materialized to the online store and may feed live predictions.
     */
    online?: boolean;
    /**
     * Where the offline values live.
     */
    source: {
      /**
       * A file path relative to the repository root, or an object in a store (`s3://bucket/key`, `https://…`), staged locally before it is read.
       */
      path: string;
      /**
       * File format: `csv` (with a header line), `jsonl` (one JSON object a line) or `parquet` (read one row group at a time).
       */
      format: "csv" | "jsonl" | "parquet";
      /**
       * Column holding each row’s event time: ISO 8601 with a zone or epoch seconds in CSV and JSON Lines; a TIMESTAMP (any unit), INT96 or DATE column, or ISO 8601 text, in Parquet.
       */
      timestampField: string;
    };
    /**
     * How often the view is copied to the online store.
     */
    materialization?: {
      /**
       * Cron schedule of the materialization CronJob.
       */
      schedule?: string;
    };
    /**
     * The features of the view.
     *
     * @minItems 1
     *
     * Items: One feature: a typed column with the value to use when it is missing online.
     */
    features: {
      /**
       * Column name in the source, and the feature name in the online store.
       */
      name: string;
      /**
       * Value type.
       */
      dtype: "string" | "int32" | "int64" | "float32" | "float64" | "bool";
      /**
       * What the feature means, in words a reviewer understands.
       */
      description?: string;
      /**
       * Served when the value or the online store is missing; never fails a prediction.
       */
      default: string | number | boolean;
      /**
       * Values the feature may take; checked when data is materialized.
       */
      constraints?: {
        /**
         * Smallest allowed value (numeric features).
         */
        min?: number;
        /**
         * Largest allowed value (numeric features).
         */
        max?: number;
        /**
         * The complete set of allowed values (categorical features).
         *
         * @minItems 1
         */
        allowed?: (string | number | boolean)[];
      };
    }[];
  };
}

// ModelCard
/**
 * A model card: purpose, data, metrics, limitations and ethics of a model, its current version and its history.
 */
export interface ModelCardDocument {
  /**
   * Always `slipway.dev/v1alpha1`.
   */
  apiVersion: "slipway.dev/v1alpha1";
  /**
   * Always `ModelCard`.
   */
  kind: "ModelCard";
  /**
   * Identity and ownership of the document.
   */
  metadata: {
    /**
     * Unique among documents of this kind; a DNS-1123 label because it names Kubernetes objects.
     */
    name: string;
    /**
     * The team accountable for this document; becomes its CODEOWNERS entry.
     */
    owner: string;
    /**
     * Kubernetes-style labels, copied onto every object rendered from this document.
     */
    labels?: {
      [k: string]: string;
    };
    /**
     * Free-form annotations for people and tools.
     */
    annotations?: {
      [k: string]: string;
    };
  };
  /**
   * The model and its current version.
   */
  spec: {
    /**
     * The current version, e.g. `2.0.0`.
     */
    version: string;
    /**
     * What the model predicts.
     */
    task: "binary-classification" | "regression";
    /**
     * Algorithm family, e.g. `gradient-boosted trees`.
     */
    modelType: string;
    /**
     * The problem the model solves.
     */
    purpose: string;
    /**
     * Who uses the predictions, and how.
     */
    intendedUse: string;
    /**
     * Uses the model is not fit for.
     */
    outOfScopeUses?: string[];
    /**
     * The serialized model. Only an artifact whose sha256 matches is ever served.
     */
    artifact: {
      /**
       * Where the artifact is stored: a key in the artifact store (`<model>/<version>/model.onnx`, as training publishes it), or a full `s3://`/`https://`/`file://` URL.
       */
      uri: string;
      /**
       * Serialization format.
       */
      format: "onnx";
      /**
       * Hex SHA-256 of the artifact bytes; required before the version can be deployed.
       */
      sha256?: string;
    };
    /**
     * The model’s inputs in the order the artifact expects them.
     *
     * @minItems 1
     *
     * Items: A feature as `<feature-view>:<feature>`.
     */
    inputs: string[];
    /**
     * Evaluation metrics on the holdout, by name: `auc`, `f1`, `precision`, `recall` for binary classification; `rmse`, `mae`, `r2` for regression; `baseline_<metric>` for the baseline trained beside the model; …
     */
    metrics: {
      [k: string]: number;
    };
    /**
     * Metrics per slice.
     *
     * Items: A subpopulation whose metrics are reported and gated separately.
     */
    slices?: {
      /**
       * Slice name, e.g. `international`.
       */
      name: string;
      /**
       * Who is in the slice.
       */
      description?: string;
      /**
       * Conditions selecting the slice’s rows.
       *
       * @minItems 1
       *
       * Items: A condition on one input; a row belongs to the slice when every condition holds.
       */
      where?: {
        /**
         * A feature as `<feature-view>:<feature>`.
         */
        input: string;
        /**
         * The input equals this value.
         */
        equals?: string | number | boolean;
        /**
         * The input is one of these values.
         *
         * @minItems 1
         */
        in?: (string | number | boolean)[];
        /**
         * The input is at least this value.
         */
        min?: number;
        /**
         * The input is below this value.
         */
        max?: number;
      }[];
      /**
       * Evaluation metrics on the holdout, by name: `auc`, `f1`, `precision`, `recall` for binary classification; `rmse`, `mae`, `r2` for regression; `baseline_<metric>` for the baseline trained beside the model; …
       */
      metrics: {
        [k: string]: number;
      };
    }[];
    /**
     * The data the version was trained on.
     */
    trainingData?: {
      /**
       * Dataset name.
       */
      dataset: string;
      /**
       * What the data is.
       */
      description?: string;
      /**
       * Number of training rows.
       */
      rows: number;
      /**
       * First event date in the data (inclusive), `YYYY-MM-DD`.
       */
      from: string;
      /**
       * Last event date in the data (inclusive), `YYYY-MM-DD`.
       */
      to: string;
    };
    /**
     * Per-input and score distributions of the training data: the baseline drift is measured against.
     */
    referenceProfile?: {
      /**
       * Rows the profile was computed from.
       */
      rows: number;
      /**
       * Distribution per input, keyed by `<feature-view>:<feature>`.
       */
      inputs: {
        /**
         * A distribution seen in training: bin edges with fractions for numbers, frequencies for categories.
         */
        [k: string]: {
          /**
           * How the distribution is summarized.
           */
          type: "numeric" | "categorical";
          /**
           * Bin edges, ascending; n+1 edges for n bins (numeric).
           *
           * @minItems 2
           */
          edges?: number[];
          /**
           * Fraction of rows per bin; sums to 1 (numeric).
           */
          fractions?: number[];
          /**
           * Fraction of rows per category; sums to 1 (categorical).
           */
          frequencies?: {
            [k: string]: number;
          };
        };
      };
      /**
       * A distribution seen in training: bin edges with fractions for numbers, frequencies for categories.
       */
      score?: {
        /**
         * How the distribution is summarized.
         */
        type: "numeric" | "categorical";
        /**
         * Bin edges, ascending; n+1 edges for n bins (numeric).
         *
         * @minItems 2
         */
        edges?: number[];
        /**
         * Fraction of rows per bin; sums to 1 (numeric).
         */
        fractions?: number[];
        /**
         * Fraction of rows per category; sums to 1 (categorical).
         */
        frequencies?: {
          [k: string]: number;
        };
      };
    };
    /**
     * When the version was trained, `YYYY-MM-DD`.
     */
    createdAt?: string;
    /**
     * How the score becomes a decision (binary classification; a regressor serves its value as the score).
     */
    output?: {
      /**
       * Score at or above which the positive class is predicted.
       */
      threshold?: number;
      /**
       * Names of the negative and the positive class.
       *
       * @minItems 2
       * @maxItems 2
       */
      classes?: string[];
    };
    /**
     * How to retrain the model; rendered into a training CronJob.
     */
    training: {
      /**
       * Container image that runs the training; defaults to the Slipway image of the environment it trains in.
       */
      image?: string;
      /**
       * Command to run; defaults to `slipway train <model>`.
       *
       * @minItems 1
       */
      command?: string[];
      /**
       * Cron schedule for periodic retraining; omit for on-demand only.
       */
      schedule?: string;
      /**
       * How much history to train on, counted back from the newest event, e.g. `180d`.
       */
      window: string;
      /**
       * The newest part of the window held out for evaluation, e.g. `30d`.
       */
      holdout?: string;
      /**
       * Column holding the target.
       */
      label: string;
      /**
       * Changing it starts exactly one training run after merge (the Job name carries it).
       */
      triggerId: string;
      /**
       * Hyper-parameters passed to the trainer.
       */
      parameters?: {
        [k: string]: string | number | boolean;
      };
    };
    /**
     * Known limitations, edge cases and failure modes.
     */
    limitations?: string[];
    /**
     * Ethical considerations.
     */
    ethics?: {
      /**
       * Fairness and bias concerns, and what was done about them.
       */
      considerations?: string[];
      /**
       * Evaluation metrics on the holdout, by name: `auc`, `f1`, `precision`, `recall` for binary classification; `rmse`, `mae`, `r2` for regression; `baseline_<metric>` for the baseline trained beside the model; …
       */
      fairnessMetrics?: {
        [k: string]: number;
      };
    };
    /**
     * Who keeps the model healthy, and how often it is updated.
     */
    maintenance?: {
      /**
       * Responsible team.
       */
      team?: string;
      /**
       * Where to reach them.
       */
      contact?: string;
      /**
       * How often the model is retrained or reviewed.
       */
      updateFrequency?: string;
    };
    /**
     * Previous versions, newest first.
     *
     * Items: A previous version, kept so that it can be rolled back to. Inputs, training data and profile default to the current version’s.
     */
    history?: {
      /**
       * The version.
       */
      version: string;
      /**
       * The serialized model. Only an artifact whose sha256 matches is ever served.
       */
      artifact: {
        /**
         * Where the artifact is stored: a key in the artifact store (`<model>/<version>/model.onnx`, as training publishes it), or a full `s3://`/`https://`/`file://` URL.
         */
        uri: string;
        /**
         * Serialization format.
         */
        format: "onnx";
        /**
         * Hex SHA-256 of the artifact bytes; required before the version can be deployed.
         */
        sha256?: string;
      };
      /**
       * The model’s inputs in the order the artifact expects them.
       *
       * @minItems 1
       *
       * Items: A feature as `<feature-view>:<feature>`.
       */
      inputs?: string[];
      /**
       * Evaluation metrics on the holdout, by name: `auc`, `f1`, `precision`, `recall` for binary classification; `rmse`, `mae`, `r2` for regression; `baseline_<metric>` for the baseline trained beside the model; …
       */
      metrics: {
        [k: string]: number;
      };
      /**
       * Metrics per slice.
       *
       * Items: A subpopulation whose metrics are reported and gated separately.
       */
      slices?: {
        /**
         * Slice name, e.g. `international`.
         */
        name: string;
        /**
         * Who is in the slice.
         */
        description?: string;
        /**
         * Conditions selecting the slice’s rows.
         *
         * @minItems 1
         *
         * Items: A condition on one input; a row belongs to the slice when every condition holds.
         */
        where?: {
          /**
           * A feature as `<feature-view>:<feature>`.
           */
          input: string;
          /**
           * The input equals this value.
           */
          equals?: string | number | boolean;
          /**
           * The input is one of these values.
           *
           * @minItems 1
           */
          in?: (string | number | boolean)[];
          /**
           * The input is at least this value.
           */
          min?: number;
          /**
           * The input is below this value.
           */
          max?: number;
        }[];
        /**
         * Evaluation metrics on the holdout, by name: `auc`, `f1`, `precision`, `recall` for binary classification; `rmse`, `mae`, `r2` for regression; `baseline_<metric>` for the baseline trained beside the model; …
         */
        metrics: {
          [k: string]: number;
        };
      }[];
      /**
       * The data the version was trained on.
       */
      trainingData?: {
        /**
         * Dataset name.
         */
        dataset: string;
        /**
         * What the data is.
         */
        description?: string;
        /**
         * Number of training rows.
         */
        rows: number;
        /**
         * First event date in the data (inclusive), `YYYY-MM-DD`.
         */
        from: string;
        /**
         * Last event date in the data (inclusive), `YYYY-MM-DD`.
         */
        to: string;
      };
      /**
       * Per-input and score distributions of the training data: the baseline drift is measured against.
       */
      referenceProfile?: {
        /**
         * Rows the profile was computed from.
         */
        rows: number;
        /**
         * Distribution per input, keyed by `<feature-view>:<feature>`.
         */
        inputs: {
          /**
           * A distribution seen in training: bin edges with fractions for numbers, frequencies for categories.
           */
          [k: string]: {
            /**
             * How the distribution is summarized.
             */
            type: "numeric" | "categorical";
            /**
             * Bin edges, ascending; n+1 edges for n bins (numeric).
             *
             * @minItems 2
             */
            edges?: number[];
            /**
             * Fraction of rows per bin; sums to 1 (numeric).
             */
            fractions?: number[];
            /**
             * Fraction of rows per category; sums to 1 (categorical).
             */
            frequencies?: {
              [k: string]: number;
            };
          };
        };
        /**
         * A distribution seen in training: bin edges with fractions for numbers, frequencies for categories.
         */
        score?: {
          /**
           * How the distribution is summarized.
           */
          type: "numeric" | "categorical";
          /**
           * Bin edges, ascending; n+1 edges for n bins (numeric).
           *
           * @minItems 2
           */
          edges?: number[];
          /**
           * Fraction of rows per bin; sums to 1 (numeric).
           */
          fractions?: number[];
          /**
           * Fraction of rows per category; sums to 1 (categorical).
           */
          frequencies?: {
            [k: string]: number;
          };
        };
      };
      /**
       * When the version was trained, `YYYY-MM-DD`.
       */
      createdAt?: string;
      /**
       * Why the version was replaced.
       */
      notes?: string;
    }[];
  };
}

// Environment
/**
 * A deployment target (dev, staging, prod): its cluster, Argo CD settings, stores, and the model versions it serves.
 */
export interface EnvironmentDocument {
  /**
   * Always `slipway.dev/v1alpha1`.
   */
  apiVersion: "slipway.dev/v1alpha1";
  /**
   * Always `Environment`.
   */
  kind: "Environment";
  /**
   * Identity and ownership of the document.
   */
  metadata: {
    /**
     * Unique among documents of this kind; a DNS-1123 label because it names Kubernetes objects.
     */
    name: string;
    /**
     * The team accountable for this document; becomes its CODEOWNERS entry.
     */
    owner: string;
    /**
     * Kubernetes-style labels, copied onto every object rendered from this document.
     */
    labels?: {
      [k: string]: string;
    };
    /**
     * Free-form annotations for people and tools.
     */
    annotations?: {
      [k: string]: string;
    };
  };
  /**
   * The target and its deployments.
   */
  spec: {
    /**
     * What the environment is for.
     */
    description?: string;
    /**
     * The environment a version must have served in before it may come here.
     */
    promotesFrom?: string;
    /**
     * The gate a version passes to enter this environment.
     */
    promotion?: {
      /**
       * PromotionPolicy name.
       */
      policy: string;
      /**
       * Overrides the policy’s soak time for this environment (a demo or a fast lane).
       */
      soak?: string;
    };
    /**
     * Where Argo CD deploys.
     */
    cluster: {
      /**
       * Kubernetes API server URL as Argo CD knows it.
       */
      server: string;
      /**
       * Namespace the environment’s objects live in.
       */
      namespace: string;
    };
    /**
     * How Argo CD syncs the rendered manifests.
     */
    argocd: {
      /**
       * Namespace Argo CD runs in.
       */
      namespace?: string;
      /**
       * Argo CD AppProject name.
       */
      project: string;
      /**
       * Sync automatically when `dist/` changes.
       */
      autoSync?: boolean;
      /**
       * Revert changes made to the cluster by hand.
       */
      selfHeal?: boolean;
      /**
       * Delete objects that are no longer rendered.
       */
      prune?: boolean;
    };
    /**
     * The Redis online store the runtime reads features from.
     */
    onlineStore?: {
      /**
       * Redis connection.
       */
      redis: {
        /**
         * A single Redis, e.g. `redis://redis.ml-prod:6379`.
         */
        url?: string;
        /**
         * Redis Cluster seed nodes as `host:port`; several nodes select the cluster client.
         *
         * @minItems 1
         */
        nodes?: string[];
        /**
         * The Secret key holding the Redis password (AUTH), given to the runtime and materialization pods as SLIPWAY_REDIS_PASSWORD; never the value itself. Use `rediss://` for TLS.
         */
        passwordSecret?: {
          /**
           * Secret name.
           */
          name: string;
          /**
           * Key in the Secret.
           */
          key: string;
        };
      };
      /**
       * Budget for one feature fetch before defaults are served, e.g. `5ms`.
       */
      timeout?: string;
      /**
       * Share of online-store lookups served from their defaults above which `SlipwayFeatureFallbackRatioHigh` fires (sustained 10 minutes). Default 0.1; unknown entities keep a few percent normal.
       */
      maxFallbackRatio?: number;
    };
    /**
     * Overrides the project’s artifact store for this environment’s pods (a regional mirror, another endpoint or Secret).
     */
    artifacts?: {
      /**
       * `s3://bucket/prefix` (AWS or any S3-compatible store), `https://host/prefix` (read only), `file:///dir`, or a directory relative to the repository root (the embedded default, `models`, which only this machine can read).
       */
      url: string;
      /**
       * An S3-compatible endpoint (MinIO, Ceph, R2, GCS interoperability), addressed path-style; AWS when omitted.
       */
      endpoint?: string;
      /**
       * A Secret in each namespace whose keys (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, …) become environment variables of the pods that read or write the store; omit it to use the ServiceAccount’s identity (IRSA, workload identity) or the node’s.
       */
      credentialsSecret?: string;
    };
    /**
     * The Prometheus that scrapes this environment’s runtimes, evaluates their alerts and answers the controller.
     */
    prometheus?: {
      /**
       * Prometheus base URL, queried by this environment’s controller (canary analysis, drift, firing alerts before a promotion).
       */
      url: string;
      /**
       * Labels put on the rendered ServiceMonitor and PrometheusRule only, so that the Prometheus’s `serviceMonitorSelector` and `ruleSelector` pick them up, e.g. `release: kube-prometheus-stack`. Slipway’s own `app.kubernetes.io/*` and `slipway.dev/*` labels win over these.
       */
      labels?: {
        [k: string]: string;
      };
      /**
       * The Prometheus pods the runtime’s NetworkPolicy admits to its port. Default: pods labelled `app.kubernetes.io/name: prometheus` (what the Prometheus Operator sets) in the namespace `monitoring`.
       */
      scrapedFrom?: {
        /**
         * The namespace, by name (its `kubernetes.io/metadata.name` label); the environment’s own when neither this nor `namespaceLabels` is given.
         */
        namespace?: string;
        /**
         * Labels the namespaces must carry; `{}` is every namespace.
         */
        namespaceLabels?: {
          [k: string]: string;
        };
        /**
         * Labels the pods must carry; every pod of the namespaces when omitted.
         */
        podLabels?: {
          [k: string]: string;
        };
      };
    };
    /**
     * How the runtime’s NetworkPolicy admits traffic; egress is derived from the stores and is not set here.
     */
    network?: {
      /**
       * The callers of the models, admitted to the runtime’s port besides Prometheus; each entry is one set of pods, and a pod that matches any entry is admitted. Default: every pod of the environment’s own namespace, and nothing from outside it. `[{ namespaceLabels: {} }]` admits every namespace; `[]` admits Prometheus only.
       *
       * Items: One set of calling pods.
       */
      ingressFrom?: {
        /**
         * The namespace, by name (its `kubernetes.io/metadata.name` label); the environment’s own when neither this nor `namespaceLabels` is given.
         */
        namespace?: string;
        /**
         * Labels the namespaces must carry; `{}` is every namespace.
         */
        namespaceLabels?: {
          [k: string]: string;
        };
        /**
         * Labels the pods must carry; every pod of the namespaces when omitted.
         */
        podLabels?: {
          [k: string]: string;
        };
      }[];
    };
    /**
     * Scheduling and identity of every pod rendered here (runtime, controller, training, materialization).
     */
    pods?: {
      /**
       * Annotations of the pods’ ServiceAccounts, e.g. `eks.amazonaws.com/role-arn` (IRSA) or `iam.gke.io/gcp-service-account` (workload identity), so that the artifact store is reached without keys.
       */
      serviceAccountAnnotations?: {
        [k: string]: string;
      };
      /**
       * Secrets the kubelet pulls the image with, for a private registry.
       *
       * Items: Secret name.
       */
      imagePullSecrets?: string[];
      /**
       * Node labels the pods must run on.
       */
      nodeSelector?: {
        [k: string]: string;
      };
      /**
       * Taints the pods tolerate.
       *
       * Items: One toleration, as Kubernetes defines it.
       */
      tolerations?: {
        /**
         * Taint key.
         */
        key?: string;
        /**
         * `Equal` (default) or `Exists`.
         */
        operator?: "Exists" | "Equal";
        /**
         * Taint value.
         */
        value?: string;
        /**
         * The taint effect; every effect when omitted.
         */
        effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
        /**
         * How long a NoExecute taint is tolerated.
         */
        tolerationSeconds?: number;
      }[];
      /**
       * The PriorityClass of every pod (the runtime should outrank batch jobs).
       */
      priorityClassName?: string;
      /**
       * The Secret key holding PEM CA certificates the pods trust besides the CAs Node ships: the private CA that signed a `rediss://` online store’s, an S3-compatible store’s or Prometheus’ certificate (cert-manager writes it as `ca.crt`). Mounted read-only into the runtime, controller, training and materialization containers and given to Node as NODE_EXTRA_CA_CERTS.
       */
      trustedCAs?: {
        /**
         * Secret name.
         */
        name: string;
        /**
         * Key in the Secret.
         */
        key: string;
      };
    };
    /**
     * Overrides the project’s image for every workload here (to try a Slipway release in one environment first).
     */
    image?: string;
    /**
     * Runtime settings shared by every deployment here.
     */
    runtime?: {
      /**
       * Compute resources of each runtime container.
       */
      resources?: {
        /**
         * Guaranteed resources.
         */
        requests?: {
          /**
           * CPU, e.g. `500m`.
           */
          cpu?: string | number;
          /**
           * Memory, e.g. `512Mi`.
           */
          memory?: string | number;
        };
        /**
         * Upper bounds.
         */
        limits?: {
          /**
           * CPU, e.g. `500m`.
           */
          cpu?: string | number;
          /**
           * Memory, e.g. `512Mi`.
           */
          memory?: string | number;
        };
      };
      /**
       * Fraction of predictions logged for audit.
       */
      auditSampleRate?: number;
      /**
       * The longest a label may take to arrive on `/feedback` after its prediction (days for chargebacks). Each prediction’s record (version, class, score, time) stays this long in the online store, where any replica joins its label; about 150 bytes of Redis per prediction. Default `7d`.
       */
      labelDelay?: string;
    };
    /**
     * Models served here.
     *
     * Items: One model served in this environment: the stable version and, optionally, a canary or a shadow.
     */
    deployments: {
      /**
       * Name of the ModelCard.
       */
      model: string;
      /**
       * The version that answers requests.
       */
      stable: string;
      /**
       * A version that answers a share of requests, routed sticky by entity key.
       */
      canary?: {
        /**
         * The canary version.
         */
        version: string;
        /**
         * Percent of traffic the canary answers.
         */
        weight: number;
      };
      /**
       * A version that scores a copy of the traffic without answering.
       */
      shadow?: {
        /**
         * The shadow version.
         */
        version: string;
      };
      /**
       * RolloutPolicy that governs canary steps.
       */
      rollout?: string;
      /**
       * DriftPolicy that watches the served versions.
       */
      drift?: string;
      /**
       * Pod count range for the autoscaler.
       */
      replicas: {
        /**
         * Fewest pods.
         */
        min: number;
        /**
         * Most pods.
         */
        max: number;
      };
      /**
       * Average CPU percent the autoscaler aims for.
       */
      targetCpuUtilization?: number;
      /**
       * Compute resources of each runtime container.
       */
      resources?: {
        /**
         * Guaranteed resources.
         */
        requests?: {
          /**
           * CPU, e.g. `500m`.
           */
          cpu?: string | number;
          /**
           * Memory, e.g. `512Mi`.
           */
          memory?: string | number;
        };
        /**
         * Upper bounds.
         */
        limits?: {
          /**
           * CPU, e.g. `500m`.
           */
          cpu?: string | number;
          /**
           * Memory, e.g. `512Mi`.
           */
          memory?: string | number;
        };
      };
    }[];
  };
}

// PromotionPolicy
/**
 * The criteria a model version must meet to enter an environment.
 */
export interface PromotionPolicyDocument {
  /**
   * Always `slipway.dev/v1alpha1`.
   */
  apiVersion: "slipway.dev/v1alpha1";
  /**
   * Always `PromotionPolicy`.
   */
  kind: "PromotionPolicy";
  /**
   * Identity and ownership of the document.
   */
  metadata: {
    /**
     * Unique among documents of this kind; a DNS-1123 label because it names Kubernetes objects.
     */
    name: string;
    /**
     * The team accountable for this document; becomes its CODEOWNERS entry.
     */
    owner: string;
    /**
     * Kubernetes-style labels, copied onto every object rendered from this document.
     */
    labels?: {
      [k: string]: string;
    };
    /**
     * Free-form annotations for people and tools.
     */
    annotations?: {
      [k: string]: string;
    };
  };
  /**
   * The criteria.
   */
  spec: {
    /**
     * What the gate protects.
     */
    description?: string;
    /**
     * Absolute thresholds on offline metrics, e.g. `auc > 0.90`.
     *
     * Items: A threshold on one metric.
     */
    metrics?: {
      /**
       * Metric name in the model card, e.g. `auc`.
       */
      metric: string;
      /**
       * Comparison the observed value must satisfy.
       */
      op: ">" | ">=" | "<" | "<=";
      /**
       * Threshold.
       */
      value: number;
    }[];
    /**
     * No metric may drop more than the margin below the version it replaces.
     */
    noRegression?: {
      /**
       * Metrics compared.
       *
       * @minItems 1
       */
      metrics: string[];
      /**
       * Largest allowed drop (absolute).
       */
      margin: number;
    };
    /**
     * Minimums per slice.
     *
     * Items: A minimum on one slice metric.
     */
    slices?: {
      /**
       * Slice name in the model card.
       */
      slice: string;
      /**
       * Metric name.
       */
      metric: string;
      /**
       * Lowest allowed value.
       */
      min: number;
    }[];
    /**
     * CI checks that must pass on the pull request, e.g. `tests`.
     */
    requiredChecks?: string[];
    /**
     * A person must approve; the bot only proposes.
     */
    manualApproval?: boolean;
    /**
     * How long the version must have served in the previous environment.
     */
    soak?: string;
    /**
     * No alert of the model may have fired during the soak.
     */
    requireNoFiringAlerts?: boolean;
  };
}

// RolloutPolicy
/**
 * Canary steps, the analysis between them, and when to abort.
 */
export interface RolloutPolicyDocument {
  /**
   * Always `slipway.dev/v1alpha1`.
   */
  apiVersion: "slipway.dev/v1alpha1";
  /**
   * Always `RolloutPolicy`.
   */
  kind: "RolloutPolicy";
  /**
   * Identity and ownership of the document.
   */
  metadata: {
    /**
     * Unique among documents of this kind; a DNS-1123 label because it names Kubernetes objects.
     */
    name: string;
    /**
     * The team accountable for this document; becomes its CODEOWNERS entry.
     */
    owner: string;
    /**
     * Kubernetes-style labels, copied onto every object rendered from this document.
     */
    labels?: {
      [k: string]: string;
    };
    /**
     * Free-form annotations for people and tools.
     */
    annotations?: {
      [k: string]: string;
    };
  };
  /**
   * Steps and analysis.
   */
  spec: {
    /**
     * What the policy is for.
     */
    description?: string;
    /**
     * Canary weights in order; the last step at 100 promotes the canary to stable.
     *
     * @minItems 1
     *
     * Items: One step.
     */
    steps: {
      /**
       * Percent of traffic to the canary.
       */
      weight: number;
      /**
       * How long the step must pass analysis before the next.
       */
      minDuration: string;
    }[];
    /**
     * How canary and stable are compared.
     */
    analysis: {
      /**
       * Range of each query, e.g. `10m`.
       */
      window: string;
      /**
       * How often the analysis is evaluated.
       */
      interval?: string;
      /**
       * Fewest canary requests in the window for a verdict.
       */
      minRequests?: number;
      /**
       * Abort conditions, read as "abort when the metric exceeds max".
       *
       * @minItems 1
       *
       * Items: One check.
       */
      checks: {
        /**
         * What is measured on the canary (drops are relative to stable).
         */
        metric: "error-rate" | "latency-p99" | "f1-drop" | "score-psi";
        /**
         * Largest allowed value: a percentage, a duration or a number, as the metric needs.
         */
        max: string | number;
      }[];
    };
    /**
     * What happens when a check fails.
     */
    abort?: {
      /**
       * The bot may merge the abort PR itself once required checks pass.
       */
      autoMerge?: boolean;
    };
  };
}

// DriftPolicy
/**
 * How drift is measured against the reference profile, and what happens when it crosses a level.
 */
export interface DriftPolicyDocument {
  /**
   * Always `slipway.dev/v1alpha1`.
   */
  apiVersion: "slipway.dev/v1alpha1";
  /**
   * Always `DriftPolicy`.
   */
  kind: "DriftPolicy";
  /**
   * Identity and ownership of the document.
   */
  metadata: {
    /**
     * Unique among documents of this kind; a DNS-1123 label because it names Kubernetes objects.
     */
    name: string;
    /**
     * The team accountable for this document; becomes its CODEOWNERS entry.
     */
    owner: string;
    /**
     * Kubernetes-style labels, copied onto every object rendered from this document.
     */
    labels?: {
      [k: string]: string;
    };
    /**
     * Free-form annotations for people and tools.
     */
    annotations?: {
      [k: string]: string;
    };
  };
  /**
   * Statistics, levels and actions.
   */
  spec: {
    /**
     * What the policy is for.
     */
    description?: string;
    /**
     * Numeric inputs.
     */
    numeric: {
      /**
       * Statistic: `psi` (default) or `ks`.
       */
      statistic?: "psi" | "ks";
      /**
       * Level that raises a warning alert.
       */
      warn: number;
      /**
       * Level that triggers the policy’s action.
       */
      act: number;
    };
    /**
     * Categorical inputs.
     */
    categorical: {
      /**
       * Statistic: `psi` (default) or `chi-squared` (as Cramér’s V).
       */
      statistic?: "psi" | "chi-squared";
      /**
       * Level that raises a warning alert.
       */
      warn: number;
      /**
       * Level that triggers the policy’s action.
       */
      act: number;
    };
    /**
     * The prediction score distribution (PSI).
     */
    score?: {
      /**
       * Warning level.
       */
      warn: number;
      /**
       * Action level.
       */
      act: number;
    };
    /**
     * Length of one evaluation window, e.g. `1h`.
     */
    window: string;
    /**
     * Fewest samples in a window for it to count.
     */
    minSamples: number;
    /**
     * Windows in a row that must cross a level before acting (hysteresis).
     */
    consecutiveWindows?: number;
    /**
     * How many inputs must cross the act level together to act.
     */
    minFeatures?: number;
    /**
     * What acting means, in order of preference.
     *
     * @minItems 1
     *
     * Items: An action.
     */
    actions: ("rollback" | "retrain")[];
    /**
     * A version deployed this recently that degraded is rolled back instead of retrained.
     */
    rollbackWithin?: string;
    /**
     * Which drift PRs the bot may merge itself.
     */
    autoMerge?: {
      /**
       * Rollbacks, once required checks pass.
       */
      rollback?: boolean;
    };
    /**
     * When a new version counts as degraded against the one before it.
     */
    degradation?: {
      /**
       * Largest allowed rise of score PSI.
       */
      maxScorePsiIncrease?: number;
      /**
       * Largest allowed error rate.
       */
      maxErrorRate?: string;
    };
  };
}

// GuardrailPolicy
/**
 * Organisation-wide rules that make a repository invalid when broken; every message names the policy.
 */
export interface GuardrailPolicyDocument {
  /**
   * Always `slipway.dev/v1alpha1`.
   */
  apiVersion: "slipway.dev/v1alpha1";
  /**
   * Always `GuardrailPolicy`.
   */
  kind: "GuardrailPolicy";
  /**
   * Identity and ownership of the document.
   */
  metadata: {
    /**
     * Unique among documents of this kind; a DNS-1123 label because it names Kubernetes objects.
     */
    name: string;
    /**
     * The team accountable for this document; becomes its CODEOWNERS entry.
     */
    owner: string;
    /**
     * Kubernetes-style labels, copied onto every object rendered from this document.
     */
    labels?: {
      [k: string]: string;
    };
    /**
     * Free-form annotations for people and tools.
     */
    annotations?: {
      [k: string]: string;
    };
  };
  /**
   * The rules and where they apply.
   */
  spec: {
    /**
     * Why the rules exist.
     */
    description?: string;
    /**
     * Environments the rules apply to; all when omitted.
     *
     * Items: An Environment name.
     */
    environments?: string[];
    /**
     * A deployed model’s card must have these sections, non-empty.
     */
    completeModelCard?: {
      /**
       * Required sections.
       *
       * @minItems 1
       *
       * Items: A section.
       */
      sections: ("limitations" | "ethics" | "maintenance" | "slices" | "trainingData" | "referenceProfile")[];
    };
    /**
     * A version may reach an environment only after the environment it promotes from served it (read from Git history).
     */
    promotionPath?: boolean;
    /**
     * Every image the covered environments run (their Slipway image, the training images of the models they train) must be named by digest (`…@sha256:…`), so what a merged pull request names is byte for byte what pods run. Without it a tag other than `latest` is enough.
     */
    pinnedImages?: boolean;
    /**
     * Runtime containers must set CPU and memory limits.
     */
    resourceLimits?: boolean;
    /**
     * A canary weight must be one of its RolloutPolicy’s step weights.
     */
    canaryWeightsFromSteps?: boolean;
    /**
     * `dist/` must be exactly what the catalog renders (checked by `slipway validate` and `render --check`).
     */
    renderedDist?: boolean;
  };
}
