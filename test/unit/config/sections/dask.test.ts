/** dask.*: each bad input names the key, the value and what is allowed; good inputs parse to bytes and cores. */
import { strict as assert } from "assert";
import { DOCKER_VM, EXISTING, LOCAL, parse, problemsOf, hubConfig } from "../fixtures";

const ON = { "dask.enabled": "true" };

interface Case {
    name: string;
    values: Record<string, string>;
    says: RegExp;
}

const CASES: Case[] = [
    {
        name: "a worker count of 0",
        values: { ...LOCAL, ...ON, "dask.workers": "0" },
        says: /^jupyterhub-platform:dask\.workers: out of range; got 0; allowed: an integer from 1 to 64$/,
    },
    {
        name: "a worker count that is not an integer",
        values: { ...LOCAL, ...ON, "dask.workers": "two" },
        says: /^jupyterhub-platform:dask\.workers: not an integer; got "two"/,
    },
    {
        name: "a 'GB' worker memory",
        values: { ...LOCAL, ...ON, "dask.worker.memory": "2GB" },
        says: /^jupyterhub-platform:dask\.worker\.memory: not a size; got "2GB"; allowed: a Kubernetes quantity/,
    },
    {
        name: "a worker memory below 256Mi",
        values: { ...LOCAL, ...ON, "dask.worker.memory": "128Mi" },
        says: /^jupyterhub-platform:dask\.worker\.memory: got "128Mi"; allowed: at least 256Mi/,
    },
    {
        name: "a worker CPU that is not an amount",
        values: { ...LOCAL, ...ON, "dask.worker.cpu": "one" },
        says: /^jupyterhub-platform:dask\.worker\.cpu: not a CPU amount; got "one"; allowed: a number of cores/,
    },
    {
        name: "a scheduler memory with a bad unit",
        values: { ...LOCAL, ...ON, "dask.scheduler.memory": "1 G" },
        says: /^jupyterhub-platform:dask\.scheduler\.memory: not a size; got "1 G"/,
    },
    {
        name: "Dask settings while dask.enabled is false",
        values: { ...LOCAL, "dask.workers": "4" },
        says: /^jupyterhub-platform:dask\.workers: has no effect while dask\.enabled is false; set dask\.enabled true or remove it$/,
    },
    {
        name: "a gateway limit on a Docker topology",
        values: { ...DOCKER_VM, ...ON, "dask.gateway.maxClustersPerUser": "5" },
        says: /^jupyterhub-platform:dask\.gateway\.maxClustersPerUser: has no effect with topology docker-vm \(Dask Gateway runs on kubernetes only\)/,
    },
    {
        name: "a worker count on Kubernetes",
        values: { ...EXISTING, ...ON, "dask.workers": "4" },
        says: /^jupyterhub-platform:dask\.workers: has no effect with topology kubernetes \(each user scales their own gateway clusters\)/,
    },
    {
        name: "a cluster core limit below the scheduler plus one worker",
        values: { ...EXISTING, ...ON, "dask.gateway.maxCoresPerCluster": "1500m" },
        says: /^jupyterhub-platform:dask\.gateway\.maxCoresPerCluster: got "1500m"; allowed: at least dask\.scheduler\.cpu \+ dask\.worker\.cpu \(2\)/,
    },
    {
        name: "a cluster memory limit below the scheduler plus one worker",
        values: { ...EXISTING, ...ON, "dask.gateway.maxMemoryPerCluster": "2G" },
        says: /^jupyterhub-platform:dask\.gateway\.maxMemoryPerCluster: got "2G"; allowed: at least dask\.scheduler\.memory \+ dask\.worker\.memory \(3000000000 bytes\)/,
    },
    {
        name: "a traefik image that is not a reference",
        values: { ...EXISTING, ...ON, "dask.gateway.traefikImage": "traefik 3" },
        says: /^jupyterhub-platform:dask\.gateway\.traefikImage: got "traefik 3"; allowed: an image reference/,
    },
    {
        name: "a negative idle timeout",
        values: { ...EXISTING, ...ON, "dask.gateway.idleTimeout": "-1" },
        says: /^jupyterhub-platform:dask\.gateway\.idleTimeout: out of range; got -1; allowed: 0 \(never\) or a number of seconds/,
    },
];

describe("config: dask.*", () => {
    for (const c of CASES) {
        it(`rejects ${c.name}`, () => {
            const problems = problemsOf(parse(c.values));
            assert.ok(
                problems.some((p) => c.says.test(p)),
                `expected a problem matching ${String(c.says)}, got:\n${problems.join("\n")}`,
            );
        });
    }

    it("is off by default, with the documented defaults", () => {
        const result = parse(LOCAL);
        assert.ok(result.ok);
        assert.deepEqual(hubConfig(result.config).dask, {
            enabled: false,
            workers: 2,
            worker: { memoryBytes: 2e9, cpu: 1 },
            scheduler: { memoryBytes: 1e9, cpu: 1 },
            gateway: { traefikImage: "docker.io/traefik:3.3.5", maxClustersPerUser: 2, maxWorkersPerCluster: 0, idleTimeoutSeconds: 1800 },
        });
    });

    it("parses Docker sizes and millicores on a Docker topology", () => {
        const result = parse({ ...DOCKER_VM, ...ON, "dask.workers": "4", "dask.worker.memory": "512m", "dask.worker.cpu": "500m" });
        assert.ok(result.ok, problemsOf(result).join("\n"));
        assert.equal(hubConfig(result.config).dask.workers, 4);
        assert.deepEqual(hubConfig(result.config).dask.worker, { memoryBytes: 512 * 2 ** 20, cpu: 0.5 });
    });

    it("parses the gateway's limits on Kubernetes", () => {
        const result = parse({
            ...EXISTING,
            ...ON,
            "dask.gateway.maxClustersPerUser": "1",
            "dask.gateway.maxCoresPerCluster": "8",
            "dask.gateway.maxMemoryPerCluster": "16Gi",
            "dask.gateway.maxWorkersPerCluster": "6",
            "dask.gateway.idleTimeout": "600",
        });
        assert.ok(result.ok, problemsOf(result).join("\n"));
        assert.deepEqual(hubConfig(result.config).dask.gateway, {
            traefikImage: "docker.io/traefik:3.3.5",
            maxClustersPerUser: 1,
            maxCoresPerCluster: 8,
            maxMemoryPerClusterBytes: 16 * 2 ** 30,
            maxWorkersPerCluster: 6,
            idleTimeoutSeconds: 600,
        });
    });

    it("reports every Dask problem at once", () => {
        const problems = problemsOf(parse({ ...LOCAL, ...ON, "dask.workers": "0", "dask.worker.memory": "1GB", "dask.worker.cpu": "x" }));
        assert.equal(problems.filter((p) => p.includes(":dask.")).length, 3, problems.join("\n"));
    });
});
