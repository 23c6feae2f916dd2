/**
 * Where the pod spec sits in each workload kind Ferry knows — shared by the image finder and the
 * policy rules, so both see the same workloads. Argo Rollouts (argoproj.io/v1alpha1) are included;
 * a Rollout with `workloadRef` has no template and is skipped.
 */
export const podSpecPaths: Readonly<Record<string, readonly string[]>> = {
  Pod: ["spec"],
  PodTemplate: ["template", "spec"],
  Deployment: ["spec", "template", "spec"],
  StatefulSet: ["spec", "template", "spec"],
  DaemonSet: ["spec", "template", "spec"],
  ReplicaSet: ["spec", "template", "spec"],
  ReplicationController: ["spec", "template", "spec"],
  Job: ["spec", "template", "spec"],
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
  Rollout: ["spec", "template", "spec"],
};

/** The container lists of a pod spec, in the order Ferry reports them. */
export const containerLists = ["containers", "initContainers", "ephemeralContainers"] as const;
