// Types of the workload kinds (Pod and apps/v1) as they travel through Ordinal: the upstream shapes
// from kubernetes-types 1.30, narrowed to KubeObject (metadata always present, open to unknown
// fields). kubernetes-types 1.30 already carries the newer fields we serve at 1.32 (StatefulSet
// spec.ordinals, persistentVolumeClaimRetentionPolicy, sidecar restartPolicy on init containers).
import type * as core from 'kubernetes-types/core/v1.js';
import type * as apps from 'kubernetes-types/apps/v1.js';
import type { KubeObject } from '../../machinery/object.js';

export type Pod = core.Pod & KubeObject;
export type StatefulSet = apps.StatefulSet & KubeObject;
export type Deployment = apps.Deployment & KubeObject;
export type ReplicaSet = apps.ReplicaSet & KubeObject;
export type ControllerRevision = apps.ControllerRevision & KubeObject;

export type {
  PodSpec, PodStatus, PodTemplateSpec, Container, ContainerPort, ContainerStatus, ContainerState, EnvVar,
  Volume, VolumeMount, Probe, Toleration, ResourceRequirements, PodCondition, PersistentVolumeClaim as ClaimTemplate,
} from 'kubernetes-types/core/v1.js';
export type {
  StatefulSetSpec, StatefulSetStatus, StatefulSetUpdateStrategy, StatefulSetOrdinals,
  StatefulSetPersistentVolumeClaimRetentionPolicy, DeploymentSpec, DeploymentStatus, DeploymentStrategy,
  ReplicaSetSpec, ReplicaSetStatus,
} from 'kubernetes-types/apps/v1.js';
export type { LabelSelector, LabelSelectorRequirement } from 'kubernetes-types/meta/v1.js';

/** The names of the well-known QoS classes (status.qosClass). */
export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/**
 * kubernetes-types marks every field readonly; code that builds or edits objects (controllers,
 * the node agent) can work on a DeepMutable<Pod> and pass it on as a Pod.
 */
export type DeepMutable<T> = T extends readonly (infer U)[]
  ? DeepMutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: DeepMutable<T[K]> }
    : T;
