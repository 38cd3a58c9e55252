// Kubernetes Status errors. Every failure that leaves the API server is one of these, with the
// upstream reason, code and (for Invalid) field causes, so that kubectl prints upstream messages.

export type StatusReason =
  | 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'AlreadyExists' | 'Conflict'
  | 'Gone' | 'Expired' | 'Invalid' | 'MethodNotAllowed' | 'NotAcceptable' | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge' | 'TooManyRequests' | 'InternalError' | 'Timeout' | 'ServerTimeout'
  | 'ServiceUnavailable' | '';

/** Field error types, as upstream's field.ErrorType strings (the text kubectl prints). */
export type FieldErrorType =
  | 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueNotSupported'
  | 'FieldValueDuplicate' | 'FieldValueTooLong' | 'FieldValueTooMany' | 'FieldValueTypeInvalid'
  | 'FieldValueNotFound' | 'InternalError';

export interface StatusCause { reason?: string; message?: string; field?: string }

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
  code: number;
}

export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
  get code(): number { return this.status.code; }
  get reason(): StatusReason | undefined { return this.status.reason; }
}

export function isApiError(e: unknown, reason?: StatusReason): e is ApiError {
  return e instanceof ApiError && (reason === undefined || e.status.reason === reason);
}

function failure(code: number, reason: StatusReason, message: string, details?: Status['details']): ApiError {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return new ApiError(s);
}

/** Resource as upstream writes it in messages: "pods", "statefulsets.apps". */
export interface GroupResource { group: string; resource: string }
const qualified = (gr: GroupResource) => (gr.group ? `${gr.resource}.${gr.group}` : gr.resource);

export const errors = {
  notFound: (gr: GroupResource, name: string) =>
    failure(404, 'NotFound', `${qualified(gr)} "${name}" not found`, { name, group: gr.group || undefined, kind: gr.resource }),
  alreadyExists: (gr: GroupResource, name: string) =>
    failure(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, { name, group: gr.group || undefined, kind: gr.resource }),
  conflict: (gr: GroupResource, name: string, why: string) =>
    failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`, { name, group: gr.group || undefined, kind: gr.resource }),
  /** The standard optimistic-concurrency failure. */
  staleObject: (gr: GroupResource, name: string) =>
    errors.conflict(gr, name, 'the object has been modified; please apply your changes to the latest version and try again'),
  /** `The StatefulSet "bad" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0` */
  invalid: (group: string, kind: string, name: string, fieldErrors: FieldError[]) => {
    const causes = fieldErrors.map((f) => ({ reason: f.type, message: fieldErrorText(f), field: f.field }));
    const summary = fieldErrors.length === 1 ? fieldErrorText(fieldErrors[0]!, true) : `[${fieldErrors.map((f) => fieldErrorText(f, true)).join(', ')}]`;
    return failure(422, 'Invalid', `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${summary}`, { name, group: group || undefined, kind, causes });
  },
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  unauthorized: () => failure(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (gr: GroupResource, name: string, why: string) =>
    failure(403, 'Forbidden', `${qualified(gr)}${name ? ` "${name}"` : ''} is forbidden: ${why}`, { name, group: gr.group || undefined, kind: gr.resource }),
  methodNotAllowed: (message = 'the server does not allow this method on the requested resource') => failure(405, 'MethodNotAllowed', message),
  notAcceptable: (message: string) => failure(406, 'NotAcceptable', message),
  unsupportedMediaType: (message: string) => failure(415, 'UnsupportedMediaType', message),
  tooLarge: (message = 'Request entity too large') => failure(413, 'RequestEntityTooLarge', message),
  /** Watch/list from a compacted revision. */
  expired: (message: string) => failure(410, 'Expired', message),
  gone: (message: string) => failure(410, 'Gone', message),
  internal: (message: string) => failure(500, 'InternalError', `Internal error occurred: ${message}`),
  timeout: (message: string) => failure(504, 'Timeout', message),
  serviceUnavailable: (message: string) => failure(503, 'ServiceUnavailable', message),
  /** Generic NotFound for unknown paths: "the server could not find the requested resource". */
  noResource: () => failure(404, 'NotFound', 'the server could not find the requested resource'),
};

export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** The offending value (printed by Invalid/NotSupported/Duplicate). */
  value?: unknown;
  detail?: string;
  /** For NotSupported: the allowed values. */
  supported?: string[];
}

const typeText: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value', FieldValueInvalid: 'Invalid value', FieldValueForbidden: 'Forbidden',
  FieldValueNotSupported: 'Unsupported value', FieldValueDuplicate: 'Duplicate value', FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many', FieldValueTypeInvalid: 'Invalid value', FieldValueNotFound: 'Not found', InternalError: 'Internal error',
};

/**
 * A bad value printed verbatim. Upstream prints non-scalar bad values with Go's %#v, e.g.
 * `map[string]string{"app":"web"}` or `v1.LabelSelector{…}`; kinds that need that exact text build
 * it themselves and wrap it in a GoValue.
 */
export class GoValue {
  constructor(readonly text: string) {}
  toJSON(): string { return this.text; }
}

function showValue(v: unknown): string {
  if (v instanceof GoValue) return v.text;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  // Go's %#v of a []string, as upstream prints it: []string{"a", "b"}
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Upstream field.Error.Error() text, with the field path when `withField`. */
export function fieldErrorText(f: FieldError, withField = false): string {
  let body = typeText[f.type];
  const hasValue = ['FieldValueInvalid', 'FieldValueNotSupported', 'FieldValueDuplicate', 'FieldValueTypeInvalid', 'FieldValueNotFound'].includes(f.type);
  if (hasValue) body += `: ${showValue(f.value)}`;
  if (f.type === 'FieldValueNotSupported' && f.supported?.length) {
    body += `: supported values: ${f.supported.map((s) => JSON.stringify(s)).join(', ')}`;
  } else if (f.detail) {
    body += `: ${f.detail}`;
  }
  return withField ? `${f.field}: ${body}` : body;
}

/** Constructors in the style of upstream's field package. */
export const field = {
  required: (path: string, detail = ''): FieldError => ({ type: 'FieldValueRequired', field: path, detail }),
  invalid: (path: string, value: unknown, detail: string): FieldError => ({ type: 'FieldValueInvalid', field: path, value, detail }),
  forbidden: (path: string, detail: string): FieldError => ({ type: 'FieldValueForbidden', field: path, detail }),
  notSupported: (path: string, value: unknown, supported: string[]): FieldError => ({ type: 'FieldValueNotSupported', field: path, value, supported }),
  duplicate: (path: string, value: unknown): FieldError => ({ type: 'FieldValueDuplicate', field: path, value }),
  tooLong: (path: string, value: unknown, max: number): FieldError => ({ type: 'FieldValueTooLong', field: path, value, detail: `may not be more than ${max} bytes` }),
  notFound: (path: string, value: unknown): FieldError => ({ type: 'FieldValueNotFound', field: path, value }),
};
