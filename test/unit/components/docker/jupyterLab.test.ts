import * as assert from "assert";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerCpus, labCommand, labContainerSpec, labNames, labUrl, memoryMiB } from "../../../../components/docker/labContainer";
import type { LabConfig } from "../../../../config/types";
import { labConfig } from "../../fixtures/config";
import { isSecret, settle, setup, valueOf, type RecordingMocks } from "../../harness";

const IMAGE = "sha256:" + "7".repeat(64);
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

async function deploy(config: LabConfig) {
    const mocks = await setup({});
    const { JupyterLab } = await import("../../../../components/docker/jupyterLab");
    const provider = new docker.Provider("engine", { host: "unix:///var/run/docker.sock" });
    const lab = new JupyterLab("lab", { config, provider, dockerHost: "unix:///var/run/docker.sock", image: IMAGE });
    await settle(mocks);
    return { mocks, lab };
}

function secretValue<T>(mocks: RecordingMocks, name: string, field: string): T {
    const raw = mocks.byName(name).inputs[field] as Record<string, unknown>;
    assert.ok(raw && raw[SECRET_SIG] !== undefined, `${name}.${field} must be a secret`);
    return raw.value as T;
}

describe("JupyterLab component (topology lab)", () => {
    it("runs the image on 127.0.0.1:<lab.port> with token login, limits and the work volume kept on destroy", async () => {
        const { mocks, lab } = await deploy(
            labConfig({ "lab.port": "18888", "lab.memory.limit": "1G", "lab.cpu.limit": "0.5" }, { stack: "e2e" }),
        );
        const server = mocks.byName("lab-server");
        assert.strictEqual(server.inputs.name, "jupyterlab-e2e");
        assert.strictEqual(server.inputs.image, IMAGE);
        assert.deepStrictEqual(server.inputs.ports, [{ internal: 8888, external: 18888, ip: "127.0.0.1", protocol: "tcp" }]);
        assert.strictEqual(server.inputs.memory, 953, "1G in MiB");
        assert.strictEqual(server.inputs.memorySwap, 953, "no swap beyond the limit");
        assert.strictEqual(server.inputs.cpus, "0.5");
        assert.deepStrictEqual(server.inputs.command, [
            "start-notebook.py",
            "--ServerApp.root_dir=/home/jovyan/work",
            "--ServerApp.port=8888",
        ]);
        assert.deepStrictEqual(server.inputs.mounts, [{ type: "volume", source: "jupyterlab-e2e-work", target: "/home/jovyan/work" }]);
        assert.strictEqual(server.inputs.wait, true);
        const env = secretValue<string[]>(mocks, "lab-server", "envs");
        assert.deepStrictEqual(env, ["JUPYTER_TOKEN=mock-password-lab-token"]);
        assert.strictEqual(mocks.byName("lab-token").inputs.length, 48);
        assert.strictEqual(mocks.byName("lab-work").inputs.name, "jupyterlab-e2e-work");
        assert.strictEqual(await valueOf(lab.url), "http://127.0.0.1:18888/lab");
        assert.strictEqual(await valueOf(lab.token), "mock-password-lab-token");
        assert.strictEqual(await isSecret(lab.token), true);
        assert.strictEqual(await valueOf(lab.work), "jupyterlab-e2e-work");
    });

    it("hands a new work volume to the notebook user with a one-shot chown before the server starts", async () => {
        const { mocks } = await deploy(labConfig({}, { stack: "e2e" }));
        const run = mocks.byName("lab-work-owner");
        assert.strictEqual(run.type, "pulumi-nodejs:dynamic/jupyterhub-platform:DockerRun");
        assert.deepStrictEqual(run.inputs.args, [
            "--network",
            "none",
            "--user",
            "0:0",
            "-v",
            "jupyterlab-e2e-work:/jhp-work",
            "--entrypoint",
            "chown",
            IMAGE,
            "1000:100",
            "/jhp-work",
        ]);
        assert.strictEqual(run.inputs.dockerHost, "unix:///var/run/docker.sock");
    });

    it("bind-mounts a host directory: no volume, no chown, and Pulumi never owns the person's files", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-work-"));
        try {
            const { mocks, lab } = await deploy(labConfig({ "lab.work": dir }));
            assert.deepStrictEqual(mocks.byName("lab-server").inputs.mounts, [{ type: "bind", source: dir, target: "/home/jovyan/work" }]);
            assert.strictEqual(mocks.ofType("docker:index/volume:Volume").length, 0);
            assert.strictEqual(mocks.ofType("pulumi-nodejs:dynamic/jupyterhub-platform:DockerRun").length, 0);
            assert.strictEqual(await valueOf(lab.work), dir);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("uses a configured token instead of generating one, and a named volume of the operator's", async () => {
        const { mocks, lab } = await deploy(
            labConfig({ "lab.token": "an-operator-chosen-token", "lab.work": "my-notebooks" }, { secretKeys: ["lab.token"] }),
        );
        assert.strictEqual(mocks.ofType("random:index/randomPassword:RandomPassword").length, 0);
        assert.deepStrictEqual(secretValue<string[]>(mocks, "lab-server", "envs"), ["JUPYTER_TOKEN=an-operator-chosen-token"]);
        assert.strictEqual(mocks.byName("lab-work").inputs.name, "my-notebooks");
        assert.strictEqual(await isSecret(lab.token), true);
    });

    it("renders names, URL, command and MiB from the config alone", () => {
        const config = labConfig({ "lab.port": "9999", "lab.mountPath": "/srv/work" }, { stack: "My Lab" });
        assert.deepStrictEqual(labNames(config), { container: "jupyterlab-my-lab", workVolume: "jupyterlab-my-lab-work" });
        assert.strictEqual(labUrl(config), "http://127.0.0.1:9999/lab");
        assert.deepStrictEqual(labCommand(config), ["start-notebook.py", "--ServerApp.root_dir=/srv/work", "--ServerApp.port=8888"]);
        assert.strictEqual(memoryMiB(2 * 2 ** 30), 2048);
        // As the docker provider reads NanoCpus back (else every up would replace the container).
        assert.deepStrictEqual([1, 2, 0.5, 1.5, 0.25, 0.001, 10].map(dockerCpus), ["1.0", "2.0", "0.5", "1.5", "0.25", "0.001", "10."]);
        const spec = labContainerSpec(config, { image: IMAGE, token: pulumi.output("t") });
        assert.strictEqual(spec.restart, "unless-stopped");
        assert.deepStrictEqual(spec.labels, [
            { label: "org.jupyterhub-platform.project", value: "jupyterhub-platform" },
            { label: "org.jupyterhub-platform.role", value: "lab" },
            { label: "org.jupyterhub-platform.stack", value: "My Lab" },
        ]);
    });
});
