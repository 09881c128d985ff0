import { artifactStore, documentSchema, object, oneOfValues, text } from './common.js';

/** `Project`: the repository's identity; exactly one, in `slipway.yaml`. */
export const projectSchema = documentSchema(
  'Project',
  'The repository itself: its name, the Git remote Argo CD watches, the forge, and the Slipway image.',
  object(
    'Project settings.',
    {
      description: text('What the repository serves.'),
      repository: object(
        'The Git remote Argo CD watches.',
        {
          url: text('Clone URL.', { minLength: 1 }),
          branch: text('Branch Argo CD tracks and pull requests target.', { default: 'main' }),
        },
        ['url'],
      ),
      forge: object(
        'Where pull requests are opened.',
        {
          type: oneOfValues('`github`, or `local` for a plain Git repository.', ['github', 'local']),
          repository: text('`owner/repo` on GitHub.', { pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$' }),
        },
        ['type'],
      ),
      image: text(
        'The Slipway image every workload runs (runtime, controller, training, materialization): one program, one image. ' +
          'Name it by digest (`…@sha256:…`), as the release publishes it; a tag other than `latest` is accepted where no `pinnedImages` guardrail applies.',
        { minLength: 1 },
      ),
      artifacts: artifactStore('Where trained artifacts and training results are published and read; the `models` directory when omitted.'),
    },
    ['repository', 'forge', 'image'],
  ),
);
