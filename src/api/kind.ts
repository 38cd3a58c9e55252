// The shape of one kind's definition. Each kind is one file in src/api/kinds/ exporting a
// KindDefinition; src/api/registry.ts lists them. Routing, discovery, OpenAPI, tables, field
// selectors, validation and strategic-merge schemas are all derived from these.
import type { KubeObject } from '../machinery/object.js';
import type { FieldError } from '../machinery/errors.js';

/** A JSON-schema (OpenAPI v3 flavoured) node, with the Kubernetes extensions we use. */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  /** Reference to a named definition: '#/components/schemas/io.k8s.api.core.v1.PodSpec'. */
  $ref?: string;
  allOf?: Schema[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-embedded-resource'?: boolean;
}

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string; // 'name' for the NAME column
  description: string;
  /** 0 = always shown; 1 = only with -o wide. */
  priority: number;
}

/** What the API server tells a kind about the write it is admitting. */
export interface WriteContext {
  /** 'create' | 'update' (PUT or PATCH of the main resource) | 'status' (the status subresource). */
  operation: 'create' | 'update' | 'status';
  /** Current time (injected so strategies stay pure and testable). */
  now: Date;
}

export interface ScaleSubresource {
  /** Dotted paths inside the object. */
  specReplicasPath: string; // 'spec.replicas'
  statusReplicasPath: string; // 'status.replicas'
  labelSelectorPath?: string; // 'status.selector' or 'spec.selector' (serialized as a string in Scale.status.selector)
}

export interface KindDefinition<T extends KubeObject = KubeObject> {
  group: string; // '' for the core group
  version: string; // 'v1'
  kind: string; // 'StatefulSet'
  listKind: string; // 'StatefulSetList'
  plural: string; // 'statefulsets' (the resource name in URLs)
  singular: string; // 'statefulset'
  shortNames?: string[]; // ['sts']
  categories?: string[]; // ['all']
  namespaced: boolean;
  /** Verbs served for the main resource (discovery). Defaults to all eight. */
  verbs?: string[];
  /** Subresources served; 'status' and 'scale' are generic, others are routed by name. */
  subresources?: {
    status?: boolean;
    scale?: ScaleSubresource;
    /** e.g. ['binding','eviction','log','exec','attach','portforward','proxy'] for pods. */
    other?: string[];
  };
  /** Named OpenAPI definition for the kind, e.g. 'io.k8s.api.apps.v1.StatefulSet'. */
  openapiName: string;
  /** Fill defaults in place (upstream SetDefaults_*). Called on create and on update. */
  defaults?(obj: T): void;
  /**
   * Upstream strategy PrepareForCreate/PrepareForUpdate: e.g. reset status on create, keep the old
   * status on a spec update, keep the old spec on a status update, bump metadata.generation when
   * the spec changed. `old` is undefined on create.
   */
  prepare?(obj: T, old: T | undefined, ctx: WriteContext): void;
  /** Validation of the whole object; `old` on update (for immutability rules). Field paths as upstream. */
  validate?(obj: T, old: T | undefined, ctx: WriteContext): FieldError[];
  /** Server-side table columns (kubectl get). The NAME column is included here. */
  tableColumns: TableColumn[];
  /** One row's cells for `obj`, matching tableColumns (including priority-1 cells). */
  tableRow(obj: T, now: Date): unknown[];
  /** Field-selector labels beyond metadata.name/metadata.namespace → value extractor. */
  fieldSelectors?: Record<string, (obj: T) => string>;
  /**
   * Graceful deletion (pods): return the grace period to apply when deleting `obj` with the
   * requested value (undefined = object default); 0 means delete immediately.
   */
  gracefulDeletion?(obj: T, requested: number | undefined): number;
  /** Store key prefix under /registry when it differs from the plural (e.g. 'services/specs'). */
  storagePrefix?: string;
  /**
   * For a kind served in a second group/version but stored as another (events.k8s.io/v1 Event is
   * stored as core/v1 Event): conversions between this version's shape and the stored shape.
   */
  storedAs?: {
    group: string;
    version: string;
    toStored(obj: T): KubeObject;
    fromStored(obj: KubeObject): T;
  };
}
