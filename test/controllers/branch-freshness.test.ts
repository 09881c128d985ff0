/** When a proposal branch is rebuilt from the base, and when it is left as it is. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { branchInput, rebuildReason, type BranchFacts } from '../../controllers/branch-freshness.js';
import type { YamlEdit } from '../../controllers/proposals/proposal.js';

const edits: YamlEdit[] = [{ file: 'catalog/models/m.yaml', kind: 'ModelCard', name: 'm', op: 'set', path: ['spec', 'current', 'version'], value: '2.1.0' }];
const OLD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);

function facts(overrides: Partial<BranchFacts> = {}): BranchFacts & { asked: string[] } {
  const asked: string[] = [];
  return {
    head: 'c'.repeat(40),
    builtOn: OLD,
    message: `Title\n\nSlipway-Input: ${branchInput(OLD, edits)}\n`,
    baseSha: NEW,
    handedBack: false,
    mergesCleanly: async () => (asked.push('conflicts'), true),
    requiresUpToDate: async () => (asked.push('up-to-date'), false),
    asked,
    ...overrides,
  };
}

describe('rebuilding a proposal branch', () => {
  it('keeps a branch on an older base when it merges cleanly and the base does not require up-to-date branches', async () => {
    const branch = facts();
    assert.equal(await rebuildReason(branch, edits), null);
    assert.deepEqual(branch.asked, ['conflicts', 'up-to-date']);
  });

  it('keeps a branch on the current base without asking anything else', async () => {
    const branch = facts({ baseSha: OLD });
    assert.equal(await rebuildReason(branch, edits), null);
    assert.deepEqual(branch.asked, []);
  });

  it('rebuilds a missing branch, a handed-back one, and one whose edits changed', async () => {
    assert.equal(await rebuildReason(facts({ head: null, builtOn: null }), edits), 'there is no branch yet');
    assert.equal(await rebuildReason(facts({ handedBack: true, baseSha: OLD }), edits), 'a person handed the branch back');
    assert.equal(await rebuildReason(facts({ baseSha: OLD }), [{ ...edits[0], value: '2.2.0' }]), 'its edits changed');
  });

  it('rebuilds a branch that conflicts with the base, or sits behind a base that requires up-to-date branches', async () => {
    assert.equal(await rebuildReason(facts({ mergesCleanly: async () => false }), edits), 'it conflicts with the base');
    assert.equal(await rebuildReason(facts({ requiresUpToDate: async () => true }), edits), 'the base requires branches to be up to date');
  });
});
