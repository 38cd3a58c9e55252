// Upstream facts the kubernetes-models .d.ts files do not carry, used by gen-openapi.ts.
// Sources: the Go struct tags (patchStrategy/patchMergeKey, +listType/+listMapKey) in
// k8s.io/api/{core,apps,...}/v1/types.go and k8s.io/apimachinery meta/v1/types.go (v1.32), and the
// int64 Go fields. Keys are `<definition>.<property>`.

/** Root definitions: the kinds we serve and the meta types the API server answers with. */
export const ROOTS = [
  ...['Namespace', 'Pod', 'Binding', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'ServiceAccount',
    'PersistentVolumeClaim', 'PersistentVolume', 'Node', 'Event'].flatMap((k) => (k === 'Binding' ? [k] : [k, `${k}List`]))
    .map((k) => `io.k8s.api.core.v1.${k}`),
  'io.k8s.api.discovery.v1.EndpointSlice', 'io.k8s.api.discovery.v1.EndpointSliceList',
  'io.k8s.api.storage.v1.StorageClass', 'io.k8s.api.storage.v1.StorageClassList',
  'io.k8s.api.events.v1.Event', 'io.k8s.api.events.v1.EventList',
  'io.k8s.api.coordination.v1.Lease', 'io.k8s.api.coordination.v1.LeaseList',
  ...['StatefulSet', 'Deployment', 'ReplicaSet', 'ControllerRevision'].flatMap((k) => [k, `${k}List`]).map((k) => `io.k8s.api.apps.v1.${k}`),
  'io.k8s.api.autoscaling.v1.Scale',
  'io.k8s.api.policy.v1.Eviction',
  'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
  'io.k8s.api.authentication.v1.TokenRequest',
  ...['Status', 'DeleteOptions', 'APIResourceList', 'APIGroupList', 'APIGroup', 'APIVersions', 'WatchEvent', 'Patch']
    .map((k) => `io.k8s.apimachinery.pkg.apis.meta.v1.${k}`),
  'io.k8s.apimachinery.pkg.version.Info',
];

export const STANDARD_TYPEMETA: Record<'apiVersion' | 'kind', string> = {
  apiVersion: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
  kind: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
};

export const QUANTITY_DESCRIPTION = 'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.\n\nThe serialization format is:\n\n``` <quantity>        ::= <signedNumber><suffix>\n\n\t(Note that <suffix> may be empty, from the "" case in <decimalSI>.)\n\n<digit>           ::= 0 | 1 | ... | 9 <digits>          ::= <digit> | <digit><digits> <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits> <sign>            ::= "+" | "-" <signedNumber>    ::= <number> | <sign><number> <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI> <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei\n\n\t(International System of units; See: http://physics.nist.gov/cuu/Units/binary.html)\n\n<decimalSI>       ::= m | "" | k | M | G | T | P | E\n\n\t(Note that 1024 = 1Ki but 1000 = 1k; I didn\'t choose the capitalization.)\n\n<decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber> ```';

const core = 'io.k8s.api.core.v1';
const apps = 'io.k8s.api.apps.v1';
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Go int64 fields (every other integer is int32). */
export const INT64 = new Set([
  `${meta}.ObjectMeta.generation`, `${meta}.ObjectMeta.deletionGracePeriodSeconds`,
  `${meta}.ListMeta.remainingItemCount`, `${meta}.DeleteOptions.gracePeriodSeconds`, `${meta}.Condition.observedGeneration`,
  `${core}.PodSpec.activeDeadlineSeconds`, `${core}.PodSpec.terminationGracePeriodSeconds`,
  `${core}.Probe.terminationGracePeriodSeconds`, `${core}.SleepAction.seconds`,
  `${core}.SecurityContext.runAsUser`, `${core}.SecurityContext.runAsGroup`,
  `${core}.PodSecurityContext.runAsUser`, `${core}.PodSecurityContext.runAsGroup`, `${core}.PodSecurityContext.fsGroup`,
  `${core}.PodSecurityContext.supplementalGroups`,
  `${core}.LinuxContainerUser.uid`, `${core}.LinuxContainerUser.gid`, `${core}.LinuxContainerUser.supplementalGroups`,
  `${core}.Toleration.tolerationSeconds`, `${core}.ServiceAccountTokenProjection.expirationSeconds`,
  `${core}.ContainerImage.sizeBytes`, `${core}.NodeSwapStatus.capacity`,
  `${core}.PodStatus.observedGeneration`, `${core}.PodCondition.observedGeneration`,
  `${apps}.StatefulSetStatus.observedGeneration`, `${apps}.DeploymentStatus.observedGeneration`,
  `${apps}.ReplicaSetStatus.observedGeneration`, `${apps}.ControllerRevision.revision`,
  'io.k8s.api.authentication.v1.TokenRequestSpec.expirationSeconds',
]);

/** Maps whose values are base64 bytes. */
export const BYTE_MAPS = new Set([`${core}.Secret.data`, `${core}.ConfigMap.binaryData`]);

type Facts = Record<string, unknown>;
const mapList = (key: string, keys: string[] = [key], strategy = 'merge'): Facts => ({
  'x-kubernetes-list-map-keys': keys, 'x-kubernetes-list-type': 'map', 'x-kubernetes-patch-merge-key': key, 'x-kubernetes-patch-strategy': strategy,
});
const atomic: Facts = { 'x-kubernetes-list-type': 'atomic' };
const set: Facts = { 'x-kubernetes-list-type': 'set' };
const mergeSet: Facts = { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' };
const conditions = mapList('type');

/** Strategic-merge and list metadata (x-kubernetes-patch-*, x-kubernetes-list-*). */
export const PATCH_FACTS: Record<string, Facts> = {
  // meta
  [`${meta}.ObjectMeta.ownerReferences`]: mapList('uid'),
  [`${meta}.ObjectMeta.finalizers`]: mergeSet,
  [`${meta}.ObjectMeta.managedFields`]: atomic,
  [`${meta}.LabelSelector.matchExpressions`]: atomic,
  [`${meta}.LabelSelectorRequirement.values`]: atomic,
  [`${meta}.StatusDetails.causes`]: atomic,
  [`${meta}.DeleteOptions.dryRun`]: atomic,
  // pods
  [`${core}.PodSpec.volumes`]: mapList('name', ['name'], 'merge,retainKeys'),
  [`${core}.PodSpec.initContainers`]: mapList('name'),
  [`${core}.PodSpec.containers`]: mapList('name'),
  [`${core}.PodSpec.ephemeralContainers`]: mapList('name'),
  [`${core}.PodSpec.imagePullSecrets`]: mapList('name'),
  [`${core}.PodSpec.hostAliases`]: mapList('ip'),
  [`${core}.PodSpec.tolerations`]: atomic,
  [`${core}.PodSpec.topologySpreadConstraints`]: mapList('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
  [`${core}.PodSpec.schedulingGates`]: mapList('name'),
  [`${core}.PodSpec.resourceClaims`]: mapList('name', ['name'], 'merge,retainKeys'),
  [`${core}.Container.ports`]: mapList('containerPort', ['containerPort', 'protocol']),
  [`${core}.Container.env`]: mapList('name'),
  [`${core}.Container.envFrom`]: atomic,
  [`${core}.Container.volumeMounts`]: mapList('mountPath'),
  [`${core}.Container.volumeDevices`]: mapList('devicePath'),
  [`${core}.Container.command`]: atomic,
  [`${core}.Container.args`]: atomic,
  [`${core}.Container.resizePolicy`]: atomic,
  [`${core}.EphemeralContainer.ports`]: mapList('containerPort', ['containerPort', 'protocol']),
  [`${core}.EphemeralContainer.env`]: mapList('name'),
  [`${core}.EphemeralContainer.volumeMounts`]: mapList('mountPath'),
  [`${core}.EphemeralContainer.volumeDevices`]: mapList('devicePath'),
  [`${core}.PodStatus.conditions`]: conditions,
  [`${core}.PodStatus.podIPs`]: mapList('ip'),
  [`${core}.PodStatus.hostIPs`]: mapList('ip'),
  [`${core}.PodStatus.containerStatuses`]: atomic,
  [`${core}.PodStatus.initContainerStatuses`]: atomic,
  [`${core}.PodStatus.ephemeralContainerStatuses`]: atomic,
  [`${core}.PodSecurityContext.supplementalGroups`]: atomic,
  [`${core}.NodeSelectorTerm.matchExpressions`]: atomic,
  [`${core}.NodeSelectorTerm.matchFields`]: atomic,
  [`${core}.NodeSelector.nodeSelectorTerms`]: atomic,
  [`${core}.NodeSelectorRequirement.values`]: atomic,
  // services and endpoints
  [`${core}.ServiceSpec.ports`]: mapList('port', ['port', 'protocol']),
  [`${core}.ServiceSpec.clusterIPs`]: atomic,
  [`${core}.ServiceSpec.externalIPs`]: atomic,
  [`${core}.ServiceSpec.ipFamilies`]: atomic,
  [`${core}.ServiceSpec.loadBalancerSourceRanges`]: atomic,
  [`${core}.ServiceStatus.conditions`]: conditions,
  [`${core}.LoadBalancerStatus.ingress`]: atomic,
  [`${core}.Endpoints.subsets`]: atomic,
  [`${core}.EndpointSubset.addresses`]: atomic,
  [`${core}.EndpointSubset.notReadyAddresses`]: atomic,
  [`${core}.EndpointSubset.ports`]: atomic,
  ['io.k8s.api.discovery.v1.EndpointSlice.endpoints']: atomic,
  ['io.k8s.api.discovery.v1.EndpointSlice.ports']: atomic,
  ['io.k8s.api.discovery.v1.Endpoint.addresses']: set,
  // other core kinds
  [`${core}.ServiceAccount.secrets`]: mapList('name'),
  [`${core}.ServiceAccount.imagePullSecrets`]: atomic,
  [`${core}.NamespaceStatus.conditions`]: conditions,
  [`${core}.NamespaceSpec.finalizers`]: atomic,
  [`${core}.PersistentVolumeClaimStatus.conditions`]: conditions,
  [`${core}.PersistentVolumeClaimSpec.accessModes`]: atomic,
  [`${core}.PersistentVolumeClaimStatus.accessModes`]: atomic,
  [`${core}.PersistentVolumeSpec.accessModes`]: atomic,
  [`${core}.PersistentVolumeSpec.mountOptions`]: atomic,
  [`${core}.NodeSpec.podCIDRs`]: mergeSet,
  [`${core}.NodeSpec.taints`]: atomic,
  [`${core}.NodeStatus.conditions`]: conditions,
  [`${core}.NodeStatus.addresses`]: conditions,
  [`${core}.NodeStatus.images`]: atomic,
  [`${core}.NodeStatus.volumesInUse`]: atomic,
  [`${core}.NodeStatus.volumesAttached`]: atomic,
  // apps
  [`${apps}.DeploymentSpec.strategy`]: { 'x-kubernetes-patch-strategy': 'retainKeys' },
  [`${apps}.DeploymentStatus.conditions`]: conditions,
  [`${apps}.StatefulSetStatus.conditions`]: conditions,
  [`${apps}.ReplicaSetStatus.conditions`]: conditions,
  [`${apps}.StatefulSetSpec.volumeClaimTemplates`]: atomic,
  // storage
  ['io.k8s.api.storage.v1.StorageClass.mountOptions']: atomic,
  ['io.k8s.api.storage.v1.StorageClass.allowedTopologies']: atomic,
};
