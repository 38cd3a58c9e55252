import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseSelector, labelSelectorAsSelector, selectorFromSet, formatLabelSelector, validateLabelSelector, newRequirement, everything, nothing,
} from '../../../src/machinery/labels.js';
import { ApiError, fieldErrorText } from '../../../src/machinery/errors.js';

function parseErr(s: string): string {
  try {
    parseSelector(s);
  } catch (e) {
    assert.ok(e instanceof ApiError);
    assert.equal(e.status.code, 400);
    assert.equal(e.status.reason, 'BadRequest');
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(s)} to fail`);
}

test('parse + canonical String() (upstream table)', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['x=a', 'x=a'],
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['x = a', 'x=a'],
    ['x==a', 'x==a'],
    ['x!=a', 'x!=a'],
    ['x=', 'x='],
    ['x= ', 'x='],
    ['x=,z= ', 'x=,z='],
    ['x in (a)', 'x in (a)'],
    ['x in (b,a,a)', 'x in (a,b)'],
    ['x notin (a)', 'x notin (a)'],
    ['x in ()', 'x in ()'],
    ['x in (,a)', 'x in (,a)'],
    ['x', 'x'],
    ['!x', '!x'],
    ['  !x  ,  y  ', '!x,y'],
    ['z,y=b,a in (x)', 'a in (x),y=b,z'],
    ['x>1', 'x>1'],
    ['x<1', 'x<1'],
    ['app.kubernetes.io/name=web', 'app.kubernetes.io/name=web'],
    ['kubernetes.io/cluster-service=true', 'kubernetes.io/cluster-service=true'],
    ['in=notin', 'in=notin'],
    ['x in (in,notin)', 'x in (in,notin)'],
  ];
  for (const [input, want] of cases) assert.equal(parseSelector(input).toString(), want, input);
});

test('parse errors carry upstream text', () => {
  assert.match(parseErr('x=a||y=b'), /^unable to parse requirement: values\[0\]\[x\]: Invalid value: "a\|\|y": a valid label must be/);
  assert.equal(parseErr('a b'), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  assert.equal(parseErr('x=a,'), "found '', expected: identifier after ','");
  assert.equal(parseErr(',x=a'), "found ',', expected: !, identifier, or 'end of string'");
  assert.equal(parseErr('x=a b'), "found 'b', expected: ',' or 'end of string'");
  assert.equal(parseErr('x in a'), "unable to parse requirement: found 'a' expected: '('");
  assert.equal(parseErr('x in (a'), "unable to parse requirement: found '', expected: ',' or ')'");
  assert.equal(parseErr('x in (a b)'), "unable to parse requirement: found 'b', expected: ',' or ')'");
  assert.equal(parseErr('x in (='), "unable to parse requirement: found '=', expected: ',', ')' or identifier");
  assert.equal(parseErr('x=(a)'), "unable to parse requirement: found '(', expected: identifier");
  assert.equal(parseErr('!'), "unable to parse requirement: found '', expected: identifier");
  assert.match(parseErr('x>a'), /^unable to parse requirement: values\[0\]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer$/);
  assert.match(parseErr('-bad=x'), /^unable to parse requirement: <nil>: Invalid value: "-bad": name part must consist of alphanumeric characters/);
  assert.match(parseErr('x=-bad'), /^unable to parse requirement: values\[0\]\[x\]: Invalid value: "-bad": a valid label must be an empty string/);
});

test('matching (upstream semantics)', () => {
  const ls = { app: 'nginx', tier: 'web', n: '5' };
  const yes = ['', 'app=nginx', 'app==nginx', 'app!=apache', 'missing!=x', 'app in (nginx,apache)', 'app notin (apache)', 'missing notin (a)', 'app', '!missing', 'n>4', 'n<6', 'app=nginx,tier=web'];
  const no = ['app=apache', 'app!=nginx', 'missing=x', 'app in (apache)', 'app notin (nginx)', 'missing', '!app', 'n>5', 'missing>1', 'app>1', 'app=nginx,tier=db', 'missing in (a)'];
  for (const s of yes) assert.ok(parseSelector(s).matches(ls), `${s} should match`);
  for (const s of no) assert.ok(!parseSelector(s).matches(ls), `${s} should not match`);
  assert.ok(parseSelector('x=').matches({ x: '' }));
  assert.ok(!parseSelector('x=').matches({}));
  assert.ok(parseSelector('app').matches({ app: '' }));
  assert.ok(everything().matches(undefined));
  assert.ok(!nothing().matches({}));
  assert.ok(everything().empty());
  assert.ok(!parseSelector('a').empty());
});

test('LabelSelector objects: null matches nothing, empty matches everything', () => {
  assert.ok(!labelSelectorAsSelector(null).matches({ a: 'b' }));
  assert.ok(!labelSelectorAsSelector(undefined).matches({}));
  assert.ok(labelSelectorAsSelector({}).matches({ a: 'b' }));
  assert.ok(labelSelectorAsSelector({ matchLabels: {}, matchExpressions: [] }).empty());
  const sel = labelSelectorAsSelector({
    matchLabels: { app: 'nginx' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['web', 'api'] },
      { key: 'env', operator: 'NotIn', values: ['dev'] },
      { key: 'zone', operator: 'Exists' },
      { key: 'legacy', operator: 'DoesNotExist' },
    ],
  });
  assert.equal(sel.toString(), 'app=nginx,env notin (dev),!legacy,tier in (api,web),zone');
  assert.ok(sel.matches({ app: 'nginx', tier: 'web', zone: 'a' }));
  assert.ok(!sel.matches({ app: 'nginx', tier: 'web', zone: 'a', legacy: 'y' }));
  assert.ok(!sel.matches({ app: 'nginx', tier: 'web', zone: 'a', env: 'dev' }));
  assert.ok(!sel.matches({ app: 'nginx', tier: 'web' }));
  assert.equal(sel.requiresExactMatch('app'), 'nginx');
  assert.throws(() => labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }), /"Bogus" is not a valid label selector operator/);
  assert.throws(() => labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), /values: Invalid value: \[\]string\{\}: for 'in', 'notin' operators, values set can't be empty/);
  assert.throws(() => labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }), /values set must be empty for exists and does not exist/);
});

test('formatLabelSelector and selectorFromSet', () => {
  assert.equal(formatLabelSelector({ matchLabels: { app: 'nginx' } }), 'app=nginx');
  assert.equal(formatLabelSelector({}), '<none>');
  assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'x' }] }), '<error>');
  const s = selectorFromSet({ b: '2', a: '1' });
  assert.equal(s.toString(), 'a=1,b=2');
  assert.ok(s.matches({ a: '1', b: '2', c: '3' }));
  assert.ok(selectorFromSet({}).matches({ x: 'y' }));
});

test('newRequirement validation', () => {
  assert.deepEqual(newRequirement('a', 'in', ['z', 'y', 'z']).values, ['y', 'z']);
  assert.throws(() => newRequirement('a', '=', ['x', 'y']), /exact-match compatibility requires one single value/);
});

test('validateLabelSelector (workload spec.selector)', () => {
  assert.deepEqual(validateLabelSelector({ matchLabels: { app: 'nginx' } }, 'spec.selector'), []);
  const errs = validateLabelSelector(
    {
      matchLabels: { 'bad key': 'v' },
      matchExpressions: [
        { key: 'a', operator: 'In' },
        { key: 'b', operator: 'Exists', values: ['x'] },
        { key: 'c', operator: 'Nope' },
        { key: 'd', operator: 'In', values: ['-x'] },
      ],
    },
    'spec.selector',
  );
  assert.deepEqual(errs.map((e) => `${e.field} ${e.type}`), [
    'spec.selector.matchLabels FieldValueInvalid',
    'spec.selector.matchExpressions[0].values FieldValueRequired',
    'spec.selector.matchExpressions[1].values FieldValueForbidden',
    'spec.selector.matchExpressions[2].operator FieldValueInvalid',
    'spec.selector.matchExpressions[3].values[0] FieldValueInvalid',
  ]);
  assert.equal(fieldErrorText(errs[1]!, true), "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'");
  assert.equal(fieldErrorText(errs[3]!, true), 'spec.selector.matchExpressions[2].operator: Invalid value: "Nope": not a valid selector operator');
});

test('gt/lt use int64 parsing; requiresExactMatch looks at the first requirement on the key', () => {
  assert.match(parseErr('x>99999999999999999999'), /the value must be an integer/);
  assert.ok(parseSelector('x>2').matches({ x: '+3' }));
  assert.match(parseErr('x>-5'), /values\[0\]\[x\]: Invalid value: "-5"/);
  assert.ok(!parseSelector('x<5').matches({ x: '99999999999999999999' }));
  const s = labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'Exists' }], matchLabels: { b: '1' } });
  assert.equal(s.requiresExactMatch('a'), undefined);
  assert.equal(s.requiresExactMatch('b'), '1');
  assert.equal(parseSelector('a in (x)').requiresExactMatch('a'), 'x');
  assert.equal(parseSelector('a in (x,y)').requiresExactMatch('a'), undefined);
});
