// Virtual, create-only review resources kubectl uses (`auth can-i`, `auth can-i --list`,
// `auth whoami`). Nothing is stored. There is no authorization yet (every authenticated user is
// an administrator), so every access review is allowed; this changes when RBAC arrives.
import type { KindDefinition } from '../api/kind.js';
import { errors } from '../machinery/errors.js';
import type { User } from './auth.js';

function virtualKind(group: string, kind: string, plural: string): KindDefinition {
  return {
    group, version: 'v1', kind, listKind: `${kind}List`, plural, singular: plural.replace(/s$/, ''), namespaced: false,
    verbs: ['create'], openapiName: `io.k8s.api.${group.split('.')[0]}.v1.${kind}`,
    tableColumns: [], tableRow: () => [],
  };
}

/** Listed in discovery only; served by `review` below. */
export const reviewKinds: KindDefinition[] = [
  virtualKind('authentication.k8s.io', 'SelfSubjectReview', 'selfsubjectreviews'),
  virtualKind('authorization.k8s.io', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
  virtualKind('authorization.k8s.io', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews'),
];

export function isReview(group: string, version: string, resource: string): boolean {
  return version === 'v1' && reviewKinds.some((k) => k.group === group && k.plural === resource);
}

/** Answers a POST to one of the review resources. */
export function review(group: string, resource: string, body: unknown, user: User): { code: number; body: unknown } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the body of the request was empty or not an object');
  const b = body as Record<string, any>;
  const k = reviewKinds.find((x) => x.group === group && x.plural === resource)!;
  const out: Record<string, any> = { kind: k.kind, apiVersion: `${group}/v1`, metadata: { ...(b.metadata ?? {}), creationTimestamp: null } };
  switch (resource) {
    case 'selfsubjectreviews':
      out.status = { userInfo: { username: user.name, groups: user.groups } };
      break;
    case 'selfsubjectaccessreviews': {
      const spec = b.spec ?? {};
      if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
        throw errors.invalid(group, k.kind, '', [{ type: 'FieldValueRequired', field: 'spec.resourceAttributes', detail: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' }]);
      }
      out.spec = spec;
      out.status = { allowed: true, reason: 'no authorization is configured: every authenticated user may do everything' };
      break;
    }
    case 'selfsubjectrulesreviews':
      out.spec = b.spec ?? {};
      out.status = {
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      };
      break;
  }
  return { code: 201, body: out };
}
