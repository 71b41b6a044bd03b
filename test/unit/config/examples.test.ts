/** The example stacks parse: local as it is, dev/prod once their placeholders are set as secrets. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { hubConfig, parse, problemsOf } from "./fixtures";

const root = path.resolve(__dirname, "../../..");

function stackValues(stack: string): Record<string, string> {
    const doc = parseYaml(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(doc.config)) {
        values[k.replace(/^jupyterhub-platform:/, "")] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return values;
}

describe("example stacks", () => {
    it("local is valid as committed", () => {
        const result = parse(stackValues("local"), []);
        assert.ok(result.ok, problemsOf(result).join("\n"));
        assert.equal(result.ok && hubConfig(result.config).hub.publicUrl, "http://127.0.0.1:8000");
    });

    it("lab is valid as committed: one JupyterLab, its own volume, no hub", () => {
        const result = parse(stackValues("lab"), []);
        assert.ok(result.ok, problemsOf(result).join("\n"));
        assert.ok(result.config.topology === "lab");
        assert.equal(result.config.lab.port, 8888);
        assert.equal(result.config.lab.memLimitBytes, 2e9);
        assert.equal(result.config.lab.workDir, undefined);
    });

    it("local-dask is valid as committed: a scheduler and two 1G/1-CPU workers beside the hub", () => {
        const result = parse(stackValues("local-dask"), []);
        assert.ok(result.ok, problemsOf(result).join("\n"));
        const { dask, hub } = hubConfig(result.config);
        assert.equal(hub.publicUrl, "http://127.0.0.1:8010");
        assert.deepEqual(
            { enabled: dask.enabled, workers: dask.workers, worker: dask.worker, scheduler: dask.scheduler },
            { enabled: true, workers: 2, worker: { memoryBytes: 1e9, cpu: 1 }, scheduler: { memoryBytes: 1e9, cpu: 1 } },
        );
    });

    for (const [stack, secretKey] of [
        ["dev", "hub.auth.oauth.clientSecret"],
        ["prod", "images.registry.password"],
    ]) {
        it(`${stack} refuses its plaintext placeholder secret with the command to fix it`, () => {
            const problems = problemsOf(parse(stackValues(stack), []));
            assert.deepEqual(problems, [
                `jupyterhub-platform:${secretKey}: is stored in plaintext; set it with \`pulumi config set --secret ${secretKey} <value>\``,
            ]);
        });
        it(`${stack} is valid once the secret is set with --secret`, () => {
            const result = parse(stackValues(stack), [secretKey]);
            assert.ok(result.ok, problemsOf(result).join("\n"));
        });
    }

    it("prod expresses the brief's Kubernetes deployment numbers", () => {
        const result = parse(stackValues("prod"), ["images.registry.password"]);
        assert.ok(result.ok);
        const { singleuser, hub } = hubConfig(result.config);
        assert.equal(singleuser.homeSizeBytes, 500 * 2 ** 20);
        assert.equal(singleuser.memLimitBytes, 128e6);
        assert.equal(singleuser.memGuaranteeBytes, 128e6);
        assert.equal(singleuser.cpuLimit, 0.5);
        assert.equal(hub.cull.timeoutSeconds, 300);
        assert.equal(hub.publicUrl, "https://jupyter.example.org");
        assert.equal(hub.auth.cas?.serviceUrl, "https://jupyter.example.org/hub/login");
    });
});
