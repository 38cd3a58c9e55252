// The object shapes the StatefulSet controller reads and writes. Structural subsets of the
// upstream types, kept mutable (kubernetes-types marks server-set fields readonly) and loose
// where the controller only copies data through (pod spec, claim spec).

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Meta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerRef[];
  finalizers?: string[];
  [k: string]: unknown;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[];
}
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  [k: string]: unknown;
}

export interface PodSpec {
  volumes?: Volume[];
  hostname?: string;
  subdomain?: string;
  containers?: { name: string; readinessProbe?: unknown; [k: string]: unknown }[];
  [k: string]: unknown;
}

export interface PodTemplate {
  metadata?: Meta;
  spec?: PodSpec;
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  state?: { waiting?: { reason?: string; message?: string }; running?: unknown; terminated?: { reason?: string; exitCode?: number } };
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  spec?: PodSpec;
  status?: {
    phase?: string;
    conditions?: PodCondition[];
    containerStatuses?: ContainerStatus[];
    reason?: string;
    message?: string;
    [k: string]: unknown;
  };
}

export interface PersistentVolumeClaim {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface ControllerRevision {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  data?: unknown;
  revision: number;
}

export interface StatefulSetCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: StatefulSetCondition[];
  availableReplicas: number;
}

export interface StatefulSetSpec {
  replicas?: number;
  selector?: LabelSelector;
  template: PodTemplate;
  volumeClaimTemplates?: PersistentVolumeClaim[];
  serviceName?: string;
  podManagementPolicy?: 'OrderedReady' | 'Parallel' | string;
  updateStrategy?: {
    type?: 'RollingUpdate' | 'OnDelete' | string;
    rollingUpdate?: { partition?: number; maxUnavailable?: number | string } | null;
  };
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: 'Retain' | 'Delete' | string; whenScaled?: 'Retain' | 'Delete' | string };
  ordinals?: { start?: number } | null;
}

export interface StatefulSet {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  spec: StatefulSetSpec;
  status?: StatefulSetStatus;
}
