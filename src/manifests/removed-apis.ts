/**
 * Kubernetes API versions that current clusters no longer serve, with what replaced them
 * (the Kubernetes deprecated API migration guide). The model packages still ship their schemas,
 * so without this table an `extensions/v1beta1` Deployment would validate and then fail to apply.
 */
interface Removal {
  /** The Kubernetes minor release that stopped serving it. */
  removedIn: string;
  /** What to write instead. */
  use: string;
}

const podSecurityAdmission = "Pod Security Admission (namespace labels pod-security.kubernetes.io/*)";

const table: Record<string, Record<string, Removal>> = {
  "extensions/v1beta1": {
    Deployment: { removedIn: "1.16", use: "apps/v1" },
    DaemonSet: { removedIn: "1.16", use: "apps/v1" },
    ReplicaSet: { removedIn: "1.16", use: "apps/v1" },
    NetworkPolicy: { removedIn: "1.16", use: "networking.k8s.io/v1" },
    PodSecurityPolicy: { removedIn: "1.16", use: podSecurityAdmission },
    Ingress: { removedIn: "1.22", use: "networking.k8s.io/v1" },
  },
  "apps/v1beta1": {
    Deployment: { removedIn: "1.16", use: "apps/v1" },
    StatefulSet: { removedIn: "1.16", use: "apps/v1" },
    ControllerRevision: { removedIn: "1.16", use: "apps/v1" },
  },
  "apps/v1beta2": {
    Deployment: { removedIn: "1.16", use: "apps/v1" },
    StatefulSet: { removedIn: "1.16", use: "apps/v1" },
    DaemonSet: { removedIn: "1.16", use: "apps/v1" },
    ReplicaSet: { removedIn: "1.16", use: "apps/v1" },
    ControllerRevision: { removedIn: "1.16", use: "apps/v1" },
  },
  "networking.k8s.io/v1beta1": {
    Ingress: { removedIn: "1.22", use: "networking.k8s.io/v1" },
    IngressClass: { removedIn: "1.22", use: "networking.k8s.io/v1" },
  },
  "rbac.authorization.k8s.io/v1beta1": {
    ClusterRole: { removedIn: "1.22", use: "rbac.authorization.k8s.io/v1" },
    ClusterRoleBinding: { removedIn: "1.22", use: "rbac.authorization.k8s.io/v1" },
    Role: { removedIn: "1.22", use: "rbac.authorization.k8s.io/v1" },
    RoleBinding: { removedIn: "1.22", use: "rbac.authorization.k8s.io/v1" },
  },
  "apiextensions.k8s.io/v1beta1": {
    CustomResourceDefinition: { removedIn: "1.22", use: "apiextensions.k8s.io/v1" },
  },
  "apiregistration.k8s.io/v1beta1": { APIService: { removedIn: "1.22", use: "apiregistration.k8s.io/v1" } },
  "admissionregistration.k8s.io/v1beta1": {
    MutatingWebhookConfiguration: { removedIn: "1.22", use: "admissionregistration.k8s.io/v1" },
    ValidatingWebhookConfiguration: { removedIn: "1.22", use: "admissionregistration.k8s.io/v1" },
  },
  "authentication.k8s.io/v1beta1": { TokenReview: { removedIn: "1.22", use: "authentication.k8s.io/v1" } },
  "authorization.k8s.io/v1beta1": {
    LocalSubjectAccessReview: { removedIn: "1.22", use: "authorization.k8s.io/v1" },
    SelfSubjectAccessReview: { removedIn: "1.22", use: "authorization.k8s.io/v1" },
    SelfSubjectRulesReview: { removedIn: "1.22", use: "authorization.k8s.io/v1" },
    SubjectAccessReview: { removedIn: "1.22", use: "authorization.k8s.io/v1" },
  },
  "certificates.k8s.io/v1beta1": {
    CertificateSigningRequest: { removedIn: "1.22", use: "certificates.k8s.io/v1" },
  },
  "coordination.k8s.io/v1beta1": { Lease: { removedIn: "1.22", use: "coordination.k8s.io/v1" } },
  "scheduling.k8s.io/v1beta1": { PriorityClass: { removedIn: "1.22", use: "scheduling.k8s.io/v1" } },
  "storage.k8s.io/v1beta1": {
    CSIDriver: { removedIn: "1.22", use: "storage.k8s.io/v1" },
    CSINode: { removedIn: "1.22", use: "storage.k8s.io/v1" },
    StorageClass: { removedIn: "1.22", use: "storage.k8s.io/v1" },
    VolumeAttachment: { removedIn: "1.22", use: "storage.k8s.io/v1" },
    CSIStorageCapacity: { removedIn: "1.27", use: "storage.k8s.io/v1" },
  },
  "batch/v1beta1": { CronJob: { removedIn: "1.25", use: "batch/v1" } },
  "discovery.k8s.io/v1beta1": { EndpointSlice: { removedIn: "1.25", use: "discovery.k8s.io/v1" } },
  "events.k8s.io/v1beta1": { Event: { removedIn: "1.25", use: "events.k8s.io/v1" } },
  "node.k8s.io/v1beta1": { RuntimeClass: { removedIn: "1.25", use: "node.k8s.io/v1" } },
  "policy/v1beta1": {
    PodDisruptionBudget: { removedIn: "1.25", use: "policy/v1" },
    PodSecurityPolicy: {
      removedIn: "1.25",
      use: podSecurityAdmission,
    },
  },
  "autoscaling/v2beta1": { HorizontalPodAutoscaler: { removedIn: "1.25", use: "autoscaling/v2" } },
  "autoscaling/v2beta2": { HorizontalPodAutoscaler: { removedIn: "1.26", use: "autoscaling/v2" } },
  "flowcontrol.apiserver.k8s.io/v1beta1": {
    FlowSchema: { removedIn: "1.26", use: "flowcontrol.apiserver.k8s.io/v1" },
    PriorityLevelConfiguration: { removedIn: "1.26", use: "flowcontrol.apiserver.k8s.io/v1" },
  },
  "flowcontrol.apiserver.k8s.io/v1beta2": {
    FlowSchema: { removedIn: "1.29", use: "flowcontrol.apiserver.k8s.io/v1" },
    PriorityLevelConfiguration: { removedIn: "1.29", use: "flowcontrol.apiserver.k8s.io/v1" },
  },
  "flowcontrol.apiserver.k8s.io/v1beta3": {
    FlowSchema: { removedIn: "1.32", use: "flowcontrol.apiserver.k8s.io/v1" },
    PriorityLevelConfiguration: { removedIn: "1.32", use: "flowcontrol.apiserver.k8s.io/v1" },
  },
};

/** The message for a removed (apiVersion, kind), or undefined when it is still served. */
export function removedApiMessage(apiVersion: string, kind: string): string | undefined {
  const removal = Object.hasOwn(table, apiVersion) ? table[apiVersion]?.[kind] : undefined;
  return (
    removal && `${apiVersion} ${kind} was removed in Kubernetes ${removal.removedIn}; use ${removal.use}`
  );
}
