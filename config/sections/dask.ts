/** dask.*: a Dask scheduler and workers beside the hub (Docker), or Dask Gateway (Kubernetes). */
import { isImageRef } from "../formats";
import type { ConfigReader, RawConfig } from "../reader";
import { KEY_INDEX } from "../schema";
import type { DaskConfig, Topology } from "../types";

/** A Dask worker or scheduler process needs about 150 MB before it holds any data. */
const MIN_MEMORY = 256 * 2 ** 20;
const MAX_WORKERS = 64;

/** Keys that only act on one kind of topology. */
const DOCKER_ONLY = ["dask.workers"];
const GATEWAY_PREFIX = "dask.gateway.";

export function readDask(r: ConfigReader, raw: RawConfig, topology: Topology): DaskConfig {
    const enabled = r.bool("dask.enabled");
    if (!enabled) {
        refuseUnused(r, raw, (key) => key !== "dask.enabled", "while dask.enabled is false; set dask.enabled true or remove it");
    } else if (topology === "kubernetes") {
        refuseUnused(
            r,
            raw,
            (key) => DOCKER_ONLY.includes(key),
            "with topology kubernetes (each user scales their own gateway clusters); remove it",
        );
    } else {
        refuseUnused(
            r,
            raw,
            (key) => key.startsWith(GATEWAY_PREFIX),
            `with topology ${topology} (Dask Gateway runs on kubernetes only); remove it`,
        );
    }

    const workers = r.int("dask.workers", 1, MAX_WORKERS);
    const worker = { memoryBytes: memory(r, "dask.worker.memory"), cpu: r.cpu("dask.worker.cpu") ?? 1 };
    const scheduler = { memoryBytes: memory(r, "dask.scheduler.memory"), cpu: r.cpu("dask.scheduler.cpu") ?? 1 };

    const maxCores = r.cpu("dask.gateway.maxCoresPerCluster");
    const maxMemory = r.size("dask.gateway.maxMemoryPerCluster");
    // dask-gateway refuses to start when the scheduler alone exceeds a cluster limit; say it here.
    if (maxCores !== undefined && scheduler.cpu + worker.cpu > maxCores) {
        r.bad(
            "dask.gateway.maxCoresPerCluster",
            r.str("dask.gateway.maxCoresPerCluster"),
            `at least dask.scheduler.cpu + dask.worker.cpu (${scheduler.cpu + worker.cpu}), room for the scheduler and one worker`,
        );
    }
    if (maxMemory !== undefined && scheduler.memoryBytes + worker.memoryBytes > maxMemory) {
        r.bad(
            "dask.gateway.maxMemoryPerCluster",
            r.str("dask.gateway.maxMemoryPerCluster"),
            `at least dask.scheduler.memory + dask.worker.memory (${scheduler.memoryBytes + worker.memoryBytes} bytes), room for the scheduler and one worker`,
        );
    }
    return {
        enabled,
        workers,
        worker,
        scheduler,
        gateway: {
            traefikImage: image(r, "dask.gateway.traefikImage"),
            maxClustersPerUser: r.int("dask.gateway.maxClustersPerUser", 0, 1000),
            ...(maxCores !== undefined ? { maxCoresPerCluster: maxCores } : {}),
            ...(maxMemory !== undefined ? { maxMemoryPerClusterBytes: maxMemory } : {}),
            maxWorkersPerCluster: r.int("dask.gateway.maxWorkersPerCluster", 0, 10000),
            idleTimeoutSeconds: r.int("dask.gateway.idleTimeout", 0, 7 * 86400, "0 (never) or a number of seconds up to 604800"),
        },
    };
}

function image(r: ConfigReader, key: string): string {
    const ref = r.str(key);
    if (!isImageRef(ref)) {
        r.bad(key, ref, "an image reference such as docker.io/traefik:3.3.5 or repo@sha256:<digest>");
    }
    return ref;
}

function memory(r: ConfigReader, key: string): number {
    const bytes = r.size(key);
    if (bytes !== undefined && bytes < MIN_MEMORY) {
        r.bad(key, r.str(key), "at least 256Mi (a Dask process needs about 150 MB before it holds data)");
    }
    return bytes ?? 2 ** 30;
}

/** A dask.* key set to something other than its default where it has no effect is a mistake to stop for. */
function refuseUnused(r: ConfigReader, raw: RawConfig, applies: (key: string) => boolean, why: string): void {
    for (const [key, value] of Object.entries(raw.values)) {
        const s = KEY_INDEX.get(key);
        if (!s || !key.startsWith("dask.") || !applies(key)) {
            continue;
        }
        const def = Array.isArray(s.default) ? JSON.stringify(s.default) : String(s.default);
        if (value !== def && value !== "") {
            r.need(key, `has no effect ${why}`);
        }
    }
}
