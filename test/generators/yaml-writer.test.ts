/** The YAML writer: every string reads back as itself under YAML 1.1 and 1.2. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { type JsonValue, toYaml } from '../../generators/yaml-writer.js';

const TRICKY = [
  'yes', 'no', 'on', 'off', 'y', 'N', 'true', 'null', '~', '', ' ', '0', '-1', '0.5', '1e3', '0x1F', '017', '1:20', '2024-07-01', '.inf', '.NaN',
  '<<', '=', '- x', '-', '--env', '? q', ': x', 'a: b', 'a #b', '#c', '*/15 * * * *', '25%', '500m', '1Gi', '10s', '@x', '`x`', "'q'", '"q"',
  '{a}', '[a]', 'a, b', 'ends:', 'trailing ', ' leading', 'tab\there', 'ümlaut', 'line\nbreak', 'two\n\n', 'no newline\nend', '\nstarts', 'cr\r\n',
  'max by (model) (x{a="b", c=~"d|e"}) > 0.2 and on (m) y >= 500', '{{ $value | printf "%.3f" }}', 'https://kubernetes.default.svc', 'ghcr.io/a/b:0.1.0',
];

describe('toYaml', () => {
  it('round-trips tricky strings as values and keys under YAML 1.1 and 1.2', () => {
    const value = { list: TRICKY, map: Object.fromEntries(TRICKY.map((text, index) => [text === '' ? 'empty' : text, index])) };
    const text = toYaml(value);
    assert.deepEqual(parse(text), value);
    assert.deepEqual(parse(text, { version: '1.1' }), value);
  });

  it('round-trips nested lists, empty collections, numbers, booleans and null', () => {
    const value = { a: [[1, 2], [], {}, { b: [{ c: null, d: false }] }], e: -0.25, f: 1e21, g: { h: { i: [true] } } };
    assert.deepEqual(parse(toYaml(value as JsonValue), { version: '1.1' }), value);
  });

  it('writes multi-line strings as literal blocks so they diff line by line', () => {
    assert.equal(toYaml({ data: { 'bundle.json': '{\n  "a": 1\n}\n' } }), 'data:\n  bundle.json: |\n    {\n      "a": 1\n    }\n');
  });

  it('leaves unambiguous strings plain and quotes the rest', () => {
    assert.equal(toYaml({ a: '1Gi', b: '0', c: 'yes', d: '--env', e: '*/5 * * * *' }), 'a: 1Gi\nb: "0"\nc: "yes"\nd: --env\ne: "*/5 * * * *"\n');
  });
});
