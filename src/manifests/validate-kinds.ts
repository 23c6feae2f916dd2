/**
 * apiVersion → the model package directory and the kinds it has a model for. Looked up by
 * string so no model is imported until a document of its kind is seen: importing every model
 * costs about 2.4 s and 100 MB; one model, about 0.1 s.
 * Generated from node_modules by test/manifests/validate-kinds.test.ts (run it with
 * FERRY_UPDATE_KINDS=1 after upgrading a kubernetes-models package); the test fails on drift.
 */
export const modelIndex: Readonly<
  Record<string, { readonly module: string; readonly kinds: readonly string[] }>
> = {
  // BEGIN GENERATED
  "admissionregistration.k8s.io/v1": {
    module: "kubernetes-models/admissionregistration.k8s.io/v1",
    kinds: [
      "MutatingAdmissionPolicy",
      "MutatingAdmissionPolicyBinding",
      "MutatingWebhookConfiguration",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
      "ValidatingWebhookConfiguration",
    ],
  },
  "admissionregistration.k8s.io/v1beta1": {
    module: "kubernetes-models/admissionregistration.k8s.io/v1beta1",
    kinds: ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"],
  },
  "apiextensions.k8s.io/v1": {
    module: "kubernetes-models/apiextensions.k8s.io/v1",
    kinds: ["CustomResourceDefinition"],
  },
  "apiextensions.k8s.io/v1beta1": {
    module: "kubernetes-models/apiextensions.k8s.io/v1beta1",
    kinds: ["CustomResourceDefinition"],
  },
  "apiregistration.k8s.io/v1": {
    module: "kubernetes-models/apiregistration.k8s.io/v1",
    kinds: ["APIService"],
  },
  "apiregistration.k8s.io/v1beta1": {
    module: "kubernetes-models/apiregistration.k8s.io/v1beta1",
    kinds: ["APIService"],
  },
  "apps/v1": {
    module: "kubernetes-models/apps/v1",
    kinds: ["ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"],
  },
  "apps/v1beta1": {
    module: "kubernetes-models/apps/v1beta1",
    kinds: ["ControllerRevision", "Deployment", "DeploymentRollback", "Scale", "StatefulSet"],
  },
  "apps/v1beta2": {
    module: "kubernetes-models/apps/v1beta2",
    kinds: ["ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "Scale", "StatefulSet"],
  },
  "authentication.k8s.io/v1": {
    module: "kubernetes-models/authentication.k8s.io/v1",
    kinds: ["SelfSubjectReview", "TokenRequest", "TokenReview"],
  },
  "authentication.k8s.io/v1beta1": {
    module: "kubernetes-models/authentication.k8s.io/v1beta1",
    kinds: ["TokenReview"],
  },
  "authorization.k8s.io/v1": {
    module: "kubernetes-models/authorization.k8s.io/v1",
    kinds: [
      "LocalSubjectAccessReview",
      "SelfSubjectAccessReview",
      "SelfSubjectRulesReview",
      "SubjectAccessReview",
    ],
  },
  "authorization.k8s.io/v1beta1": {
    module: "kubernetes-models/authorization.k8s.io/v1beta1",
    kinds: [
      "LocalSubjectAccessReview",
      "SelfSubjectAccessReview",
      "SelfSubjectRulesReview",
      "SubjectAccessReview",
    ],
  },
  "autoscaling/v1": {
    module: "kubernetes-models/autoscaling/v1",
    kinds: ["HorizontalPodAutoscaler", "Scale"],
  },
  "autoscaling/v2": {
    module: "kubernetes-models/autoscaling/v2",
    kinds: ["HorizontalPodAutoscaler"],
  },
  "autoscaling/v2beta1": {
    module: "kubernetes-models/autoscaling/v2beta1",
    kinds: ["HorizontalPodAutoscaler"],
  },
  "autoscaling/v2beta2": {
    module: "kubernetes-models/autoscaling/v2beta2",
    kinds: ["HorizontalPodAutoscaler"],
  },
  "batch/v1": {
    module: "kubernetes-models/batch/v1",
    kinds: ["CronJob", "Job"],
  },
  "batch/v1beta1": {
    module: "kubernetes-models/batch/v1beta1",
    kinds: ["CronJob"],
  },
  "certificates.k8s.io/v1": {
    module: "kubernetes-models/certificates.k8s.io/v1",
    kinds: ["CertificateSigningRequest"],
  },
  "certificates.k8s.io/v1beta1": {
    module: "kubernetes-models/certificates.k8s.io/v1beta1",
    kinds: ["CertificateSigningRequest"],
  },
  "coordination.k8s.io/v1": {
    module: "kubernetes-models/coordination.k8s.io/v1",
    kinds: ["Lease"],
  },
  "coordination.k8s.io/v1beta1": {
    module: "kubernetes-models/coordination.k8s.io/v1beta1",
    kinds: ["Lease"],
  },
  "discovery.k8s.io/v1": {
    module: "kubernetes-models/discovery.k8s.io/v1",
    kinds: ["EndpointSlice"],
  },
  "discovery.k8s.io/v1beta1": {
    module: "kubernetes-models/discovery.k8s.io/v1beta1",
    kinds: ["EndpointSlice"],
  },
  "events.k8s.io/v1": {
    module: "kubernetes-models/events.k8s.io/v1",
    kinds: ["Event"],
  },
  "events.k8s.io/v1beta1": {
    module: "kubernetes-models/events.k8s.io/v1beta1",
    kinds: ["Event"],
  },
  "extensions/v1beta1": {
    module: "kubernetes-models/extensions/v1beta1",
    kinds: [
      "DaemonSet",
      "Deployment",
      "DeploymentRollback",
      "Ingress",
      "NetworkPolicy",
      "PodSecurityPolicy",
      "ReplicaSet",
      "Scale",
    ],
  },
  "flowcontrol.apiserver.k8s.io/v1": {
    module: "kubernetes-models/flowcontrol.apiserver.k8s.io/v1",
    kinds: ["FlowSchema", "PriorityLevelConfiguration"],
  },
  "flowcontrol.apiserver.k8s.io/v1beta1": {
    module: "kubernetes-models/flowcontrol.apiserver.k8s.io/v1beta1",
    kinds: ["FlowSchema", "PriorityLevelConfiguration"],
  },
  "flowcontrol.apiserver.k8s.io/v1beta2": {
    module: "kubernetes-models/flowcontrol.apiserver.k8s.io/v1beta2",
    kinds: ["FlowSchema", "PriorityLevelConfiguration"],
  },
  "flowcontrol.apiserver.k8s.io/v1beta3": {
    module: "kubernetes-models/flowcontrol.apiserver.k8s.io/v1beta3",
    kinds: ["FlowSchema", "PriorityLevelConfiguration"],
  },
  "networking.k8s.io/v1": {
    module: "kubernetes-models/networking.k8s.io/v1",
    kinds: ["IPAddress", "Ingress", "IngressClass", "NetworkPolicy", "ServiceCIDR"],
  },
  "networking.k8s.io/v1beta1": {
    module: "kubernetes-models/networking.k8s.io/v1beta1",
    kinds: ["Ingress", "IngressClass"],
  },
  "node.k8s.io/v1": {
    module: "kubernetes-models/node.k8s.io/v1",
    kinds: ["RuntimeClass"],
  },
  "node.k8s.io/v1beta1": {
    module: "kubernetes-models/node.k8s.io/v1beta1",
    kinds: ["RuntimeClass"],
  },
  "policy/v1": {
    module: "kubernetes-models/policy/v1",
    kinds: ["Eviction", "PodDisruptionBudget"],
  },
  "policy/v1beta1": {
    module: "kubernetes-models/policy/v1beta1",
    kinds: ["Eviction", "PodDisruptionBudget", "PodSecurityPolicy"],
  },
  "rbac.authorization.k8s.io/v1": {
    module: "kubernetes-models/rbac.authorization.k8s.io/v1",
    kinds: ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
  },
  "rbac.authorization.k8s.io/v1beta1": {
    module: "kubernetes-models/rbac.authorization.k8s.io/v1beta1",
    kinds: ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
  },
  "resource.k8s.io/v1": {
    module: "kubernetes-models/resource.k8s.io/v1",
    kinds: ["DeviceClass", "ResourceClaim", "ResourceClaimTemplate", "ResourceSlice"],
  },
  "scheduling.k8s.io/v1": {
    module: "kubernetes-models/scheduling.k8s.io/v1",
    kinds: ["PriorityClass"],
  },
  "scheduling.k8s.io/v1beta1": {
    module: "kubernetes-models/scheduling.k8s.io/v1beta1",
    kinds: ["PriorityClass"],
  },
  "storage.k8s.io/v1": {
    module: "kubernetes-models/storage.k8s.io/v1",
    kinds: [
      "CSIDriver",
      "CSINode",
      "CSIStorageCapacity",
      "StorageClass",
      "VolumeAttachment",
      "VolumeAttributesClass",
    ],
  },
  "storage.k8s.io/v1beta1": {
    module: "kubernetes-models/storage.k8s.io/v1beta1",
    kinds: ["CSIDriver", "CSINode", "CSIStorageCapacity", "StorageClass", "VolumeAttachment"],
  },
  v1: {
    module: "kubernetes-models/v1",
    kinds: [
      "Binding",
      "ComponentStatus",
      "ConfigMap",
      "Endpoints",
      "Event",
      "LimitRange",
      "Namespace",
      "Node",
      "PersistentVolume",
      "PersistentVolumeClaim",
      "Pod",
      "PodTemplate",
      "ReplicationController",
      "ResourceQuota",
      "Secret",
      "Service",
      "ServiceAccount",
    ],
  },
  "argoproj.io/v1alpha1": {
    module: "@kubernetes-models/argo-cd/argoproj.io/v1alpha1",
    kinds: ["AppProject", "Application", "ApplicationSet"],
  },
  "helm.toolkit.fluxcd.io/v2": {
    module: "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2",
    kinds: ["HelmRelease"],
  },
  "helm.toolkit.fluxcd.io/v2beta1": {
    module: "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2beta1",
    kinds: ["HelmRelease"],
  },
  "helm.toolkit.fluxcd.io/v2beta2": {
    module: "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2beta2",
    kinds: ["HelmRelease"],
  },
  "image.toolkit.fluxcd.io/v1": {
    module: "@kubernetes-models/flux-cd/image.toolkit.fluxcd.io/v1",
    kinds: ["ImagePolicy", "ImageRepository", "ImageUpdateAutomation"],
  },
  "image.toolkit.fluxcd.io/v1beta1": {
    module: "@kubernetes-models/flux-cd/image.toolkit.fluxcd.io/v1beta1",
    kinds: ["ImagePolicy", "ImageRepository", "ImageUpdateAutomation"],
  },
  "image.toolkit.fluxcd.io/v1beta2": {
    module: "@kubernetes-models/flux-cd/image.toolkit.fluxcd.io/v1beta2",
    kinds: ["ImagePolicy", "ImageRepository", "ImageUpdateAutomation"],
  },
  "kustomize.toolkit.fluxcd.io/v1": {
    module: "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1",
    kinds: ["Kustomization"],
  },
  "kustomize.toolkit.fluxcd.io/v1beta1": {
    module: "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1beta1",
    kinds: ["Kustomization"],
  },
  "kustomize.toolkit.fluxcd.io/v1beta2": {
    module: "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1beta2",
    kinds: ["Kustomization"],
  },
  "notification.toolkit.fluxcd.io/v1": {
    module: "@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1",
    kinds: ["Receiver"],
  },
  "notification.toolkit.fluxcd.io/v1beta1": {
    module: "@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta1",
    kinds: ["Alert", "Provider", "Receiver"],
  },
  "notification.toolkit.fluxcd.io/v1beta2": {
    module: "@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta2",
    kinds: ["Alert", "Provider", "Receiver"],
  },
  "notification.toolkit.fluxcd.io/v1beta3": {
    module: "@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta3",
    kinds: ["Alert", "Provider"],
  },
  "source.toolkit.fluxcd.io/v1": {
    module: "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1",
    kinds: ["Bucket", "ExternalArtifact", "GitRepository", "HelmChart", "HelmRepository", "OCIRepository"],
  },
  "source.toolkit.fluxcd.io/v1beta1": {
    module: "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1beta1",
    kinds: ["Bucket", "GitRepository", "HelmChart", "HelmRepository"],
  },
  "source.toolkit.fluxcd.io/v1beta2": {
    module: "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1beta2",
    kinds: ["Bucket", "GitRepository", "HelmChart", "HelmRepository", "OCIRepository"],
  },
  "bitnami.com/v1alpha1": {
    module: "@kubernetes-models/sealed-secrets/bitnami.com/v1alpha1",
    kinds: ["SealedSecret"],
  },
  "external-secrets.io/v1": {
    module: "@kubernetes-models/external-secrets/external-secrets.io/v1",
    kinds: ["ClusterExternalSecret", "ClusterSecretStore", "ExternalSecret", "SecretStore"],
  },
  "external-secrets.io/v1alpha1": {
    module: "@kubernetes-models/external-secrets/external-secrets.io/v1alpha1",
    kinds: ["ClusterPushSecret", "PushSecret"],
  },
  "external-secrets.io/v1beta1": {
    module: "@kubernetes-models/external-secrets/external-secrets.io/v1beta1",
    kinds: ["ClusterExternalSecret", "ClusterSecretStore", "ExternalSecret", "SecretStore"],
  },
  "generators.external-secrets.io/v1alpha1": {
    module: "@kubernetes-models/external-secrets/generators.external-secrets.io/v1alpha1",
    kinds: [
      "ACRAccessToken",
      "ClusterGenerator",
      "ECRAuthorizationToken",
      "Fake",
      "GCRAccessToken",
      "GeneratorState",
      "GithubAccessToken",
      "Grafana",
      "Password",
      "QuayAccessToken",
      "STSSessionToken",
      "UUID",
      "VaultDynamicSecret",
      "Webhook",
    ],
  },
  // END GENERATED
};

/** The import specifier of the model for (apiVersion, kind), or undefined for a kind Ferry has no model of. */
export function modelSpecifier(apiVersion: string, kind: string): string | undefined {
  const entry = Object.hasOwn(modelIndex, apiVersion) ? modelIndex[apiVersion] : undefined;
  return entry?.kinds.includes(kind) ? `${entry.module}/${kind}` : undefined;
}
