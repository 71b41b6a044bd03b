/**
 * Dask beside the hub on one Docker engine (local, docker-vm; dask.enabled): a scheduler and
 * dask.workers workers, containers on the hub's private network, all from the single-user image so
 * a user's client and the workers have the same dask and distributed. User servers get the
 * scheduler's address (DASK_SCHEDULER_ADDRESS, read by a bare `distributed.Client()`) and reach
 * its dashboard through their own server's jupyter-server-proxy, behind their hub login
 * (../hub/dask.ts). The cluster is shared by the stack's users.
 *
 * The container specs are pure functions of the config and the deploy-time inputs; the component
 * only wires them.
 */
import type * as docker from "@pulumi/docker";
import * as dockerResources from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { DockerTopologyConfig } from "../../config/types";
import { DASK_PORTS, schedulerEnv, type DaskDocumentBlock } from "../hub/dask";
import { dockerNames, labelList, stackLabels } from "./render";

/** Seconds `pulumi up` waits for the scheduler's health check. */
export const DASK_SCHEDULER_WAIT_SECONDS = 120;

/** The single-user image's entrypoint without start.sh: no notebook start-up hooks for Dask processes. */
const ENTRYPOINT = ["tini", "-g", "--"];

export interface DaskNames {
    scheduler: string;
    worker: (index: number) => string;
}

/** Container names; the scheduler's is also the host name user servers and workers reach it by. */
export function daskNames(config: DockerTopologyConfig): DaskNames {
    const base = `${dockerNames(config).base}-dask`;
    return { scheduler: `${base}-scheduler`, worker: (i) => `${base}-worker-${i}` };
}

/** The Docker provider takes memory in MiB: whole MiB, the same figure for Docker and for Dask. */
export function dockerMemoryMiB(bytes: number): number {
    return Math.max(1, Math.floor(bytes / 2 ** 20));
}

/** Threads of one worker: its whole cores, at least one. */
export function workerThreads(cpu: number): number {
    return Math.max(1, Math.floor(cpu));
}

/** The `dask` block of the Docker hub's config document: the shared scheduler for every user server. */
export function dockerDaskBlock(config: DockerTopologyConfig): DaskDocumentBlock | undefined {
    return config.dask.enabled ? { env: schedulerEnv(daskNames(config).scheduler), gateway: null } : undefined;
}

function limits(memoryBytes: number, cpu: number): Pick<docker.ContainerArgs, "memory" | "memorySwap" | "cpus"> {
    const mib = dockerMemoryMiB(memoryBytes);
    // No swap beyond the limit (as for user servers): Dask's own spilling to disk is the overflow.
    return { memory: mib, memorySwap: mib, cpus: String(cpu) };
}

export interface DaskContainerInputs {
    /** The single-user image, pinned (digest or image ID). */
    image: pulumi.Input<string>;
    /** The hub's network. */
    network: pulumi.Input<string>;
}

export function schedulerContainerSpec(config: DockerTopologyConfig, p: DaskContainerInputs): docker.ContainerArgs {
    const names = daskNames(config);
    const s = config.dask.scheduler;
    return {
        name: names.scheduler,
        image: p.image,
        entrypoints: ENTRYPOINT,
        command: [
            "dask",
            "scheduler",
            `--port=${DASK_PORTS.scheduler}`,
            `--dashboard-address=:${DASK_PORTS.dashboard}`,
            // The dashboard is reached through user servers' jupyter-server-proxy at /user/<name>/proxy/<host>:<port>/.
        ],
        ...limits(s.memoryBytes, s.cpu),
        networksAdvanced: [{ name: p.network }],
        restart: "unless-stopped",
        labels: labelList(stackLabels(config, "dask-scheduler")),
        healthcheck: {
            tests: [
                "CMD",
                "python3",
                "-c",
                `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${DASK_PORTS.dashboard}/health', timeout=4)`,
            ],
            interval: "3s",
            timeout: "5s",
            startPeriod: "5s",
            retries: 30,
        },
        wait: true,
        waitTimeout: DASK_SCHEDULER_WAIT_SECONDS,
    };
}

export function workerContainerSpec(config: DockerTopologyConfig, index: number, p: DaskContainerInputs): docker.ContainerArgs {
    const names = daskNames(config);
    const w = config.dask.worker;
    return {
        name: names.worker(index),
        image: p.image,
        entrypoints: ENTRYPOINT,
        command: [
            "dask",
            "worker",
            `tcp://${names.scheduler}:${DASK_PORTS.scheduler}`,
            `--name=${names.worker(index)}`,
            "--nworkers=1",
            `--nthreads=${workerThreads(w.cpu)}`,
            // Dask pauses at 80 % and its nanny restarts the worker at 95 % of this: the container limit.
            `--memory-limit=${dockerMemoryMiB(w.memoryBytes) * 2 ** 20}`,
            "--no-dashboard",
        ],
        ...limits(w.memoryBytes, w.cpu),
        networksAdvanced: [{ name: p.network }],
        restart: "unless-stopped",
        labels: labelList(stackLabels(config, "dask-worker")),
    };
}

export interface DaskClusterArgs extends DaskContainerInputs {
    config: DockerTopologyConfig;
    provider: docker.Provider;
}

export class DaskCluster extends pulumi.ComponentResource {
    /** tcp://<scheduler>:8786, as user servers reach it. */
    readonly schedulerAddress: pulumi.Output<string>;
    readonly schedulerContainerName: pulumi.Output<string>;
    readonly workerContainerNames: pulumi.Output<string[]>;

    constructor(name: string, args: DaskClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:docker:DaskCluster", name, {}, opts);
        const { config, provider } = args;
        // Fixed container names: the old container must go before its replacement starts.
        const child = { parent: this, provider, deleteBeforeReplace: true };
        const scheduler = new dockerResources.Container(`${name}-scheduler`, schedulerContainerSpec(config, args), child);
        const workers = Array.from(
            { length: config.dask.workers },
            (_, i) =>
                new dockerResources.Container(`${name}-worker-${i}`, workerContainerSpec(config, i, args), {
                    ...child,
                    dependsOn: [scheduler],
                }),
        );
        this.schedulerAddress = pulumi.output(`tcp://${daskNames(config).scheduler}:${DASK_PORTS.scheduler}`);
        this.schedulerContainerName = scheduler.name;
        this.workerContainerNames = pulumi.all(workers.map((w) => w.name));
        this.registerOutputs({
            schedulerAddress: this.schedulerAddress,
            schedulerContainerName: this.schedulerContainerName,
            workerContainerNames: this.workerContainerNames,
        });
    }
}
