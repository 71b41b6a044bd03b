/**
 * Security contexts and resource amounts shared by the pods this folder renders.
 *
 * Every container runs non-root, without privilege escalation or capabilities, under the runtime's
 * default seccomp profile: the `restricted` Pod Security Standard, so the namespace can enforce it.
 */
import type { SingleuserConfig } from "../../../config/types";
import { toKubernetesCpu, toKubernetesQuantity } from "../../../config/quantities";
import type { PodSecurityContext, ResourceRequirements, SecurityContext } from "./objects";

export function restrictedContainer(uid: number, gid: number = uid): SecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: gid,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export function restrictedPod(fsGroup?: number): PodSecurityContext {
    return {
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
        ...(fsGroup !== undefined ? { fsGroup } : {}),
    };
}

/**
 * What one user pod asks the scheduler for. KubeSpawner sets requests from the guarantees and
 * limits from the limits; a missing guarantee leaves only the limit, which Kubernetes then copies
 * into the request. Placeholders must reserve exactly that much.
 */
export function userPodResources(su: SingleuserConfig): { requests: Record<string, string>; limits: Record<string, string> } {
    return {
        requests: {
            memory: toKubernetesQuantity(su.memGuaranteeBytes ?? su.memLimitBytes),
            cpu: toKubernetesCpu(su.cpuGuarantee ?? su.cpuLimit),
        },
        limits: {
            memory: toKubernetesQuantity(su.memLimitBytes),
            cpu: toKubernetesCpu(su.cpuLimit),
        },
    };
}

/**
 * Core pods: the stack config has no keys for them, so these are zero-to-jupyterhub's defaults
 * (requests only: a hub or proxy killed at a memory limit drops every user's session).
 */
export const CORE_RESOURCES: Record<"hub" | "proxy" | "scheduler" | "acme" | "tlsReloader", ResourceRequirements> = {
    hub: { requests: { cpu: "200m", memory: "512Mi" } },
    proxy: { requests: { cpu: "200m", memory: "512Mi" } },
    scheduler: { requests: { cpu: "50m", memory: "256Mi" } },
    acme: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "256Mi" } },
    tlsReloader: { requests: { cpu: "5m", memory: "32Mi" }, limits: { memory: "128Mi" } },
};

/** Idle containers (image puller, placeholders' sleep) ask for nothing of their own. */
export const IDLE_RESOURCES: ResourceRequirements = { requests: { cpu: "0", memory: "0" } };
