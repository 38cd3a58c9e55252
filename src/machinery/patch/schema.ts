// The schema contract strategic merge patch needs: for any field, its patch strategy and merge key,
// and how to descend into properties, list items and map values. An implementation backed by the
// OpenAPI definitions lives elsewhere (src/api); `schemaFromPlain` below builds one from a plain
// nested object, for tests and hand-written kinds.
//
// Absent schema (undefined) means "unknown": the patch then behaves like a JSON merge patch
// (lists are replaced, maps merged).

export interface PatchSchemaNode {
  /**
   * `x-kubernetes-patch-strategy`: comma-separated subset of 'merge', 'replace', 'retainKeys'
   * (e.g. 'merge,retainKeys' on pod volumes). Applies to the field this node describes.
   */
  readonly patchStrategy?: string;
  /** `x-kubernetes-patch-merge-key` for a list of objects with strategy merge (e.g. 'name'). */
  readonly patchMergeKey?: string;
  /** Schema of a named property of an object node (undefined if unknown). */
  property(name: string): PatchSchemaNode | undefined;
  /** Schema of the elements of a list node. */
  items(): PatchSchemaNode | undefined;
  /** Schema of the values of a map node (`additionalProperties`, e.g. labels). */
  additionalProperties(): PatchSchemaNode | undefined;
}

/** The plain-object shape accepted by schemaFromPlain. */
export interface PlainPatchSchema {
  patchStrategy?: string;
  patchMergeKey?: string;
  properties?: Record<string, PlainPatchSchema>;
  items?: PlainPatchSchema;
  additionalProperties?: PlainPatchSchema;
}

/** Build a PatchSchemaNode tree from plain nested objects. */
export function schemaFromPlain(plain: PlainPatchSchema): PatchSchemaNode {
  return {
    patchStrategy: plain.patchStrategy,
    patchMergeKey: plain.patchMergeKey,
    property: (name) => (plain.properties && Object.hasOwn(plain.properties, name) ? schemaFromPlain(plain.properties[name]!) : undefined),
    items: () => (plain.items ? schemaFromPlain(plain.items) : undefined),
    additionalProperties: () => (plain.additionalProperties ? schemaFromPlain(plain.additionalProperties) : undefined),
  };
}

/** Parsed strategy flags of a node. */
export function strategyOf(node: PatchSchemaNode | undefined): { merge: boolean; replace: boolean; retainKeys: boolean } {
  const parts = (node?.patchStrategy ?? '').split(',').map((s) => s.trim());
  return { merge: parts.includes('merge'), replace: parts.includes('replace'), retainKeys: parts.includes('retainKeys') };
}
