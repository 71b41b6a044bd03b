import * as assert from "assert";
import * as docker from "@pulumi/docker";
import {
    daskNames,
    dockerDaskBlock,
    dockerMemoryMiB,
    schedulerContainerSpec,
    workerContainerSpec,
    workerThreads,
} from "../../../../components/docker/daskCluster";
import { dockerHubDocument } from "../../../../components/docker/containers";
import type { DockerTopologyConfig } from "../../../../config/types";
import { setup, settle, valueOf } from "../../harness";
import { localConfig } from "../../fixtures/config";

const IMAGE = "sha256:" + "3".repeat(64);
const DASK = { "dask.enabled": "true", "dask.workers": "3", "dask.worker.memory": "1536Mi", "dask.worker.cpu": "2.5" };

describe("Dask beside the hub: container specs", () => {
    const config = localConfig(DASK, { stack: "e2e-dask" });
    const inputs = { image: IMAGE, network: "jupyterhub-e2e-dask-net" };

    it("names the scheduler and workers under the stack's prefix", () => {
        const names = daskNames(config);
        assert.strictEqual(names.scheduler, "jupyterhub-e2e-dask-dask-scheduler");
        assert.strictEqual(names.worker(2), "jupyterhub-e2e-dask-dask-worker-2");
    });

    it("converts limits once: whole MiB for Docker, whole cores (at least one) as threads", () => {
        assert.strictEqual(dockerMemoryMiB(2e9), 1907);
        assert.strictEqual(dockerMemoryMiB(1536 * 2 ** 20), 1536);
        assert.strictEqual(workerThreads(0.5), 1);
        assert.strictEqual(workerThreads(2.5), 2);
        assert.strictEqual(workerThreads(4), 4);
    });

    it("runs the scheduler from the single-user image without the notebook start hooks, health-checked on its dashboard", () => {
        const spec = schedulerContainerSpec(config, inputs);
        assert.strictEqual(spec.name, "jupyterhub-e2e-dask-dask-scheduler");
        assert.strictEqual(spec.image, IMAGE);
        assert.deepStrictEqual(spec.entrypoints, ["tini", "-g", "--"]);
        assert.deepStrictEqual(spec.command, ["dask", "scheduler", "--port=8786", "--dashboard-address=:8787"]);
        assert.strictEqual(spec.memory, 953, "dask.scheduler.memory default 1G = 953 MiB");
        assert.strictEqual(spec.memorySwap, 953);
        assert.strictEqual(spec.cpus, "1");
        assert.deepStrictEqual(spec.networksAdvanced, [{ name: "jupyterhub-e2e-dask-net" }]);
        assert.strictEqual(spec.ports, undefined, "nothing published on the host: users go through their servers");
        assert.match(JSON.stringify(spec.healthcheck), /127\.0\.0\.1:8787\/health/);
        assert.strictEqual(spec.wait, true);
        assert.deepStrictEqual(spec.labels, [
            { label: "org.jupyterhub-platform.project", value: "jupyterhub-platform" },
            { label: "org.jupyterhub-platform.role", value: "dask-scheduler" },
            { label: "org.jupyterhub-platform.stack", value: "e2e-dask" },
        ]);
    });

    it("runs each worker against the scheduler with the configured memory (Docker and Dask agree) and CPU", () => {
        const spec = workerContainerSpec(config, 1, inputs);
        assert.strictEqual(spec.name, "jupyterhub-e2e-dask-dask-worker-1");
        assert.deepStrictEqual(spec.command, [
            "dask",
            "worker",
            "tcp://jupyterhub-e2e-dask-dask-scheduler:8786",
            "--name=jupyterhub-e2e-dask-dask-worker-1",
            "--nworkers=1",
            "--nthreads=2",
            `--memory-limit=${1536 * 2 ** 20}`,
            "--no-dashboard",
        ]);
        assert.strictEqual(spec.memory, 1536);
        assert.strictEqual(spec.memorySwap, 1536);
        assert.strictEqual(spec.cpus, "2.5");
        assert.ok(JSON.stringify(spec.labels).includes('"dask-worker"'));
    });

    it("gives user servers the scheduler address, the proxied dashboard link and the allow-listed host", () => {
        assert.strictEqual(dockerDaskBlock(localConfig()), undefined);
        assert.deepStrictEqual(dockerDaskBlock(config), {
            env: {
                DASK_SCHEDULER_ADDRESS: "tcp://jupyterhub-e2e-dask-dask-scheduler:8786",
                DASK_DISTRIBUTED__DASHBOARD__LINK: "{JUPYTERHUB_SERVICE_PREFIX}proxy/jupyterhub-e2e-dask-dask-scheduler:8787/status",
                PLATFORM_DASK_DASHBOARD_HOST: "jupyterhub-e2e-dask-dask-scheduler",
            },
            gateway: null,
        });
        const doc = JSON.parse(dockerHubDocument(config, { singleuser: IMAGE })) as { dask: unknown };
        assert.deepStrictEqual(doc.dask, dockerDaskBlock(config));
        assert.strictEqual((JSON.parse(dockerHubDocument(localConfig(), { singleuser: IMAGE })) as { dask: unknown }).dask, null);
    });
});

describe("DaskCluster component", () => {
    async function deploy(config: DockerTopologyConfig) {
        const mocks = await setup({});
        const { DaskCluster } = await import("../../../../components/docker/daskCluster");
        const provider = new docker.Provider("engine", { host: "unix:///var/run/docker.sock" });
        const cluster = new DaskCluster("dask", { config, provider, image: IMAGE, network: "jupyterhub-unit-net" });
        await settle(mocks);
        return { mocks, cluster };
    }

    it("creates the scheduler and dask.workers workers as its children, each named <name>-<role>", async () => {
        const { mocks, cluster } = await deploy(localConfig(DASK));
        const containers = mocks.resources.filter((r) => r.type === "docker:index/container:Container").map((r) => r.name);
        assert.deepStrictEqual(containers.sort(), ["dask-scheduler", "dask-worker-0", "dask-worker-1", "dask-worker-2"]);
        assert.strictEqual(await valueOf(cluster.schedulerAddress), "tcp://jupyterhub-unit-dask-scheduler:8786");
        assert.deepStrictEqual(
            await valueOf(cluster.workerContainerNames),
            [0, 1, 2].map((i) => `jupyterhub-unit-dask-worker-${i}`),
        );
    });

    it("one worker by config", async () => {
        const { mocks } = await deploy(localConfig({ ...DASK, "dask.workers": "1" }));
        assert.strictEqual(mocks.resources.filter((r) => r.name.startsWith("dask-worker-")).length, 1);
    });
});
