import { artifactStore, documentSchema, object, oneOfValues, text } from './common.js';

/** `Project`: the repository's identity; exactly one, in `slipway.yaml`. */
export const projectSchema = documentSchema(
  'Project',
  'The repository itself: its name, the Git remote Argo CD watches, the forge, and the images.',
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
      images: object(
        'Container images, pinned by tag or digest (never `latest`).',
        {
          runtime: text('Model server image.', { minLength: 1 }),
          controller: text('Bot controller image.', { minLength: 1 }),
        },
        ['runtime', 'controller'],
      ),
      artifacts: artifactStore('Where trained artifacts and training results are published and read; the `models` directory when omitted.'),
    },
    ['repository', 'forge', 'images'],
  ),
);
