import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    contentHash,
    contextDate,
    formatDate,
    hubBuildArgs,
    imageRepository,
    imageTag,
    proxyBuildArgs,
    readContextFiles,
    registryAuthAddress,
    singleuserBuildArgs,
} from "../../../../components/images/buildContext";
import { platformConfig } from "../../fixtures/config";

describe("image build context", () => {
    const files = [
        { path: "Dockerfile", content: "FROM x\n" },
        { path: "a/b.txt", content: Buffer.from("hello") },
    ];

    it("hashes content and build args independently of listing order", () => {
        const h = contentHash(files, { A: "1", B: "2" });
        assert.match(h, /^[0-9a-f]{64}$/);
        assert.strictEqual(contentHash([...files].reverse(), { B: "2", A: "1" }), h);
    });

    it("changes the hash when a file, a path, the executable bit or a build arg changes", () => {
        const h = contentHash(files, { A: "1" });
        assert.notStrictEqual(contentHash([files[0], { path: "a/b.txt", content: "hellO" }], { A: "1" }), h);
        assert.notStrictEqual(contentHash([files[0], { path: "a/c.txt", content: "hello" }], { A: "1" }), h);
        assert.notStrictEqual(contentHash([files[0], { ...files[1], mode: 0o755 }], { A: "1" }), h);
        assert.notStrictEqual(contentHash(files, { A: "2" }), h);
        assert.notStrictEqual(contentHash(files, { A: "1", B: "" }), h);
        // Field boundaries are length-prefixed: moving bytes between path and content changes the hash.
        assert.notStrictEqual(contentHash([{ path: "ab", content: "c" }], {}), contentHash([{ path: "a", content: "bc" }], {}));
    });

    it("tags with date and 12 hash characters, or the hash alone", () => {
        const hash = "0123456789abcdef".repeat(4);
        assert.strictEqual(imageTag("date-hash", hash, "2025-06-30"), "2025-06-30-0123456789ab");
        assert.strictEqual(imageTag("hash", hash, "2025-06-30"), "0123456789ab");
        assert.throws(() => imageTag("hash", "xyz", "2025-06-30"), /hex hash/);
        assert.throws(() => imageTag("date-hash", hash, "30.06.2025"), /YYYY-MM-DD/);
        assert.strictEqual(formatDate(new Date(Date.UTC(2025, 5, 30, 23, 59))), "2025-06-30");
    });

    it("names repositories under images.repository, prefixed by the registry when configured", () => {
        const local = platformConfig();
        assert.strictEqual(imageRepository(local.images, "hub"), "jupyterhub-platform/hub");
        const withRegistry = {
            ...local.images,
            registry: { server: "https://registry.example.org/", username: "u", password: local.hub.cull as never },
        };
        assert.strictEqual(imageRepository(withRegistry, "singleuser"), "registry.example.org/jupyterhub-platform/singleuser");
        assert.strictEqual(
            imageRepository({ ...withRegistry, repository: "registry.example.org/jupyter" }, "hub"),
            "registry.example.org/jupyter/hub",
        );
    });

    it("talks plain HTTP only to loopback registries, like Docker", () => {
        assert.strictEqual(registryAuthAddress("127.0.0.1:5000"), "http://127.0.0.1:5000");
        assert.strictEqual(registryAuthAddress("localhost:5000"), "http://localhost:5000");
        assert.strictEqual(registryAuthAddress("registry.example.org"), "registry.example.org");
        assert.strictEqual(registryAuthAddress("registry.example.org:5000"), "registry.example.org:5000");
        assert.strictEqual(registryAuthAddress("127.example.org"), "127.example.org");
    });

    it("passes base images and package lists as build args", () => {
        const config = platformConfig({
            "images.singleuser.aptPackages": JSON.stringify(["graphviz", "gfortran"]),
            "images.singleuser.pipPackages": JSON.stringify(["numpy==2.1.0"]),
        });
        assert.deepStrictEqual(singleuserBuildArgs(config.images.singleuser), {
            BASE_IMAGE: "quay.io/jupyter/minimal-notebook:2025-06-30",
            APT_PACKAGES: "graphviz gfortran",
            CONDA_PACKAGES: "",
            PIP_PACKAGES: "numpy==2.1.0",
        });
        assert.deepStrictEqual(hubBuildArgs(config.images), { BASE_IMAGE: "quay.io/jupyterhub/jupyterhub:5.3.0" });
        assert.deepStrictEqual(proxyBuildArgs(config.images), { BASE_IMAGE: "quay.io/jupyterhub/jupyterhub:5.3.0" });
    });

    it("reads a context recursively and dates it by content, not by the clock", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ctx-"));
        fs.mkdirSync(path.join(dir, "sub"));
        fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM x\n");
        fs.writeFileSync(path.join(dir, "sub", "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
        const when = new Date(Date.UTC(2024, 0, 15, 12));
        for (const f of ["Dockerfile", "sub/run.sh"]) fs.utimesSync(path.join(dir, f), when, when);
        const read = readContextFiles(dir);
        assert.deepStrictEqual(read.map((f) => f.path).sort(), ["Dockerfile", "sub/run.sh"]);
        assert.ok((read.find((f) => f.path === "sub/run.sh")?.mode ?? 0) & 0o100);
        assert.strictEqual(contextDate(dir, read), "2024-01-15");
        fs.rmSync(dir, { recursive: true });
    });

    it("hashes the real images/ folders", () => {
        for (const name of ["hub", "proxy", "singleuser"]) {
            const dir = path.resolve(__dirname, "../../../../images", name);
            const read = readContextFiles(dir);
            assert.ok(
                read.some((f) => f.path === "Dockerfile"),
                `${name} has a Dockerfile`,
            );
            assert.match(contentHash(read, {}), /^[0-9a-f]{64}$/);
        }
    });
});
