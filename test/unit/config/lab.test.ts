/** topology lab: exactly its own sections, defaults, and the two forms of lab.work. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { valueOf } from "../harness";
import { LAB, parse, problemsOf } from "./fixtures";

describe("config: topology lab", () => {
    it("has the lab and images sections and nothing of a hub", () => {
        const result = parse(LAB);
        assert.ok(result.ok, problemsOf(result).join("\n"));
        const config = result.config;
        assert.equal(config.topology, "lab");
        assert.deepEqual(Object.keys(config).sort(), ["images", "lab", "project", "retainOnDestroy", "stack", "topology"]);
        assert.ok(config.topology === "lab");
        assert.deepEqual(
            { ...config.lab },
            { image: undefined, port: 8888, mountPath: "/home/jovyan/work", memLimitBytes: 2e9, cpuLimit: 1 },
        );
        assert.ok(Object.isFrozen(config.lab));
    });

    it("takes a host directory that exists, or a volume name, as lab.work", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-work-"));
        try {
            const host = parse({ ...LAB, "lab.work": dir });
            assert.ok(host.ok && host.config.topology === "lab", problemsOf(host).join("\n"));
            assert.equal(host.config.lab.workDir, dir);
            assert.equal(host.config.lab.workVolume, undefined);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        const volume = parse({ ...LAB, "lab.work": "my-notebooks" });
        assert.ok(volume.ok && volume.config.topology === "lab");
        assert.equal(volume.config.lab.workVolume, "my-notebooks");
        assert.equal(volume.config.lab.workDir, undefined);
    });

    it("reads the image by tag, the limits and a token set as a secret", async () => {
        const result = parse(
            {
                ...LAB,
                "lab.image": "quay.io/jupyter/scipy-notebook:2025-06-30",
                "lab.port": "18888",
                "lab.memory.limit": "4Gi",
                "lab.cpu.limit": "1500m",
                "lab.token": "a-token-of-enough-length",
            },
            ["lab.token"],
        );
        assert.ok(result.ok && result.config.topology === "lab", problemsOf(result).join("\n"));
        const lab = result.config.lab;
        assert.equal(lab.image, "quay.io/jupyter/scipy-notebook:2025-06-30");
        assert.equal(lab.port, 18888);
        assert.equal(lab.memLimitBytes, 4 * 2 ** 30);
        assert.equal(lab.cpuLimit, 1.5);
        assert.ok(lab.token);
        assert.equal(await valueOf(lab.token), "a-token-of-enough-length");
        assert.ok(!JSON.stringify(result.config).includes("a-token-of-enough-length"), "the token leaked into the plain config");
    });

    it("builds the single-user image with the images.singleuser packages", () => {
        const result = parse({ ...LAB, "images.singleuser.pipPackages": JSON.stringify(["dask==2025.5.1"]) });
        assert.ok(result.ok, problemsOf(result).join("\n"));
        assert.deepEqual(result.config.images.singleuser.pipPackages, ["dask==2025.5.1"]);
        const prebuilt = problemsOf(
            parse({ ...LAB, "lab.image": "site/lab:1", "images.singleuser.pipPackages": JSON.stringify(["dask"]) }),
        );
        assert.match(prebuilt.join("\n"), /images.singleuser.pipPackages: has no effect when lab.image names a prebuilt image/);
    });
});
