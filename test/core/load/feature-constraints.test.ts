/** A feature's min and max bound the default the runtime serves when the value is missing. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { problemsWith } from '../../support/catalog-fixture.js';
import { PROJECT_ROOT } from '../../support/example-repo.js';

const FILE = 'catalog/features/behavioral-features.yaml';

describe('feature constraints', () => {
  it('rejects a default below min or above max, at the default', async () => {
    const view = await readFile(path.join(PROJECT_ROOT, FILE), 'utf8');
    const low = view.replace('constraints: { min: 0, max: 500 }\n      default: 1', 'constraints: { min: 2, max: 500 }\n      default: 1');
    const high = view.replace('constraints: { min: 0, max: 100 }\n      default: 50', 'constraints: { min: 0, max: 40 }\n      default: 50');
    assert.ok(low !== view && high !== view, `${FILE} changed shape; update this test`);
    const [below] = await problemsWith({ [FILE]: low });
    assert.equal(below.path, 'spec.features[0].default');
    assert.match(below.message, /default 1 is below min 2/);
    const [above] = await problemsWith({ [FILE]: high });
    assert.equal(above.path, 'spec.features[1].default');
    assert.match(above.message, /default 50 is above max 40/);
  });
});
