import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestMatch } from '../../core/load/did-you-mean.js';
import { bumpVersion, compareVersions, formatDuration, isSemver, parseDuration, parsePercent } from '../../core/units.js';

describe('durations', () => {
  it('parses single and compound units', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('24h'), 86_400_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('7d'), 604_800_000);
  });

  it('refuses text that is not a duration', () => {
    for (const text of ['', '24', 'h', '1 day', '1.5h', '-1s', '24H']) assert.equal(parseDuration(text), null, text);
  });

  it('formats back to the shortest form', () => {
    assert.equal(formatDuration(5_400_000), '1h30m');
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(1_500), '1s500ms');
  });
});

describe('percentages and versions', () => {
  it('parses percentages into fractions', () => {
    assert.equal(parsePercent('5%'), 0.05);
    assert.equal(parsePercent('0.5%'), 0.005);
    assert.equal(parsePercent('5'), null);
  });

  it('knows semver', () => {
    assert.ok(isSemver('2.0.0'));
    assert.ok(!isSemver('2.0'));
    assert.ok(!isSemver('v2.0.0'));
    assert.ok(compareVersions('1.10.0', '1.9.0') > 0);
    assert.equal(bumpVersion('2.0.0', 'minor'), '2.1.0');
  });
});

describe('did you mean', () => {
  it('suggests near misses only', () => {
    assert.equal(closestMatch('ownr', ['owner', 'name']), 'owner');
    assert.equal(closestMatch('ModelCrad', ['ModelCard', 'Entity']), 'ModelCard');
    assert.equal(closestMatch('zzz', ['owner', 'name']), null);
  });
});
