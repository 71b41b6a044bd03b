/**
 * The `k8s` target: a `kubernetes` stack on the local single-node cluster (tools/local-cluster),
 * brought up fresh for the run with a loopback registry and taken down at the end (bench/cluster.ts,
 * shared with the bench). The caller holds the cluster lock (bench/load/run.sh). The hub answers
 * on proxy-public at the node's address, port 80. Figures come from the pods' cgroups (kubelet's
 * cgroupfs driver, metrics.ts podCgroup) and the hub container's log (`kubectl logs`).
 */
import * as os from "os";
import { kubectl, pods, type Pod } from "../../../test/e2e/k8s/kube";
import { LocalClusterStack } from "../../cluster";
import { podCgroup } from "../metrics";
import type { DeployedTarget, LoadTarget } from "./target";

/** The stack's namespace (the cluster is the run's own, brought up fresh: no other stack there). */
export const LOAD_NAMESPACE = "jhp-load";
/** Labels of the pods (components/kubernetes/jupyterhub/labels.ts; KubeSpawner's user pods). */
const HUB = "component=hub";
const PROXY = "component=proxy";
const USER_SERVERS = "component=singleuser-server";
/** The hub's container in its pod (components/kubernetes/jupyterhub/hub/deployment.ts). */
const HUB_CONTAINER = "hub";

const running = (p: Pod) => p.status.phase === "Running" && !p.metadata.deletionTimestamp;

export class KubernetesTarget implements LoadTarget {
    readonly kind = "k8s";
    readonly description: string;
    private readonly cluster: LocalClusterStack;

    constructor(
        readonly stack: string,
        opts: { registryPort: number; registryPidFile?: string },
    ) {
        this.cluster = new LocalClusterStack(stack, LOAD_NAMESPACE, {
            admin: "load-admin",
            registryPort: opts.registryPort,
            registryPidFile: opts.registryPidFile,
            log: (m) => console.log(`load (k8s): ${m}`),
        });
        this.description =
            `a \`kubernetes\` stack on the local single-node cluster (tools/local-cluster, kubelet with cgroupfs): ` +
            `the node is this machine, ${os.cpus().length} cores shared by the control plane, the hub, the proxy, every user pod and the load generator; hub, proxy and user-server figures are their pods' cgroups (the pause container included)`;
    }

    /** Cgroups of the running pods that match `selector` (none while kubectl fails). */
    private cgroups(selector: string): string[] {
        try {
            return pods(LOAD_NAMESPACE, selector)
                .filter(running)
                .map((p) => podCgroup({ uid: p.metadata.uid, qosClass: p.status.qosClass }));
        } catch {
            return [];
        }
    }

    async create(): Promise<DeployedTarget> {
        await this.cluster.startCluster();
        await this.cluster.initStack();
        console.log("load (k8s): pulumi up (builds or reuses the images, pushes them to the loopback registry)");
        await this.cluster.up();
        const password = String((await this.cluster.outputs(true)).loginPassword);
        return {
            base: this.cluster.base,
            password,
            hubCgroup: () => this.cgroups(HUB)[0],
            proxyCgroup: () => this.cgroups(PROXY)[0],
            userServerCgroups: () => this.cgroups(USER_SERVERS),
            hubLog: (since) => {
                // Every hub pod there is (one, unless it was replaced); kubectl logs gives stdout and stderr.
                let names: string[] = [];
                try {
                    names = pods(LOAD_NAMESPACE, HUB).map((p) => p.metadata.name);
                } catch (err) {
                    return `(hub pods not listed: ${String(err)})`;
                }
                return names
                    .map((n) => {
                        const r = kubectl(["-n", LOAD_NAMESPACE, "logs", n, "-c", HUB_CONTAINER, `--since-time=${since}`], 120_000);
                        return r.code === 0 ? r.out : `(kubectl logs ${n}: ${r.err.trim()})\n`;
                    })
                    .join("");
            },
        };
    }

    destroy(): Promise<string> {
        return this.cluster.tearDown();
    }
}
