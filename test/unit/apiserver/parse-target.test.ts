import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTarget } from '../../../src/apiserver/server.js';

/** What the server read before the fast path: the WHATWG URL of the target. */
function viaUrl(raw: string) {
  try {
    const u = new URL(raw, 'https://localhost');
    return { pathname: u.pathname, query: [...u.searchParams] };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function viaParseTarget(raw: string) {
  try {
    const t = parseTarget(raw);
    return { pathname: t.pathname, query: [...t.searchParams] };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

test('parseTarget splits plain targets as new URL does', () => {
  const cases = [
    '/api/v1/namespaces/default/configmaps',
    '/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Strict',
    '/apis/storage.k8s.io/v1/storageclasses?labelSelector=a%3Db%2Cc+in+(x,y)&limit=500',
    '/api/v1/namespaces/default/pods/web-0/log?container=nginx&follow=true',
    '/readyz?verbose',
    '/api/v1/namespaces/default/configmaps/kube-root-ca.crt',
    '/openapi/v3/apis/apps/v1?hash=ABC',
    '/api/v1/pods?watch=1&resourceVersion=10&allowWatchBookmarks=true&a=&b',
  ];
  for (const raw of cases) {
    assert.deepEqual(viaParseTarget(raw), viaUrl(raw), raw);
  }
});

test('parseTarget matches new URL on random targets, including ones URL rewrites', () => {
  const alphabet = ['a', 'b', '/', '.', '..', '%', '%2e', '%2F', '%41', '?', '&', '=', '+', ' ', '#', '\\', 'é', "'", '~', ':', '@', ';', '"', '<', '{'];
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  let fast = 0;
  for (let i = 0; i < 20_000; i++) {
    let raw = '/';
    const len = rnd(12);
    for (let j = 0; j < len; j++) raw += alphabet[rnd(alphabet.length)];
    assert.deepEqual(viaParseTarget(raw), viaUrl(raw), JSON.stringify(raw));
    if (!(parseTarget.length && (() => { try { return !(parseTarget(raw) instanceof URL); } catch { return false; } })())) continue;
    fast++;
  }
  // the random targets exercise both paths
  assert.ok(fast > 1000, `fast path taken ${fast} times`);
});
