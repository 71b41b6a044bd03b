import { strict as assert } from "assert";
import { isPinned, pinnedFromEngine, pinnedFromRegistry, registryHost, repositoryOf } from "../../../../components/images/imageRefs";

const D1 = "sha256:" + "1".repeat(64);
const D2 = "sha256:" + "2".repeat(64);

describe("image references", () => {
    it("knows which references are pinned", () => {
        assert.ok(isPinned(D1), "an image ID");
        assert.ok(isPinned(`registry.example.org/jupyter/scipy@${D1}`));
        assert.ok(isPinned(`registry.example.org/jupyter/scipy:2025@${D1}`), "tag and digest: the digest wins");
        assert.ok(!isPinned("jupyter/scipy-notebook:2025-06-30"));
        assert.ok(!isPinned("jupyter/scipy-notebook"));
        assert.ok(!isPinned("repo@sha256:short"));
    });

    it("takes the repository out of a reference, keeping a registry port", () => {
        assert.equal(repositoryOf("127.0.0.1:5000/course/py:week3"), "127.0.0.1:5000/course/py");
        assert.equal(repositoryOf("127.0.0.1:5000/course/py"), "127.0.0.1:5000/course/py");
        assert.equal(repositoryOf(`quay.io/jupyter/r:1@${D1}`), "quay.io/jupyter/r");
        assert.equal(repositoryOf("busybox:1.36"), "busybox");
        assert.equal(registryHost("127.0.0.1:5000/course/py:week3"), "127.0.0.1:5000");
        assert.equal(registryHost("jupyter/scipy-notebook:x"), "docker.io");
        assert.equal(registryHost("localhost/x:1"), "localhost");
    });

    it("pins an image found on the engine by its registry digest when it has one, else by its image ID", () => {
        assert.equal(pinnedFromEngine("site/software:1", { id: D1, repoDigest: "" }), D1, "a local build");
        assert.equal(
            pinnedFromEngine("quay.io/jupyter/r:2025", { id: D1, repoDigest: `quay.io/jupyter/r@${D2}` }),
            `quay.io/jupyter/r@${D2}`,
        );
        assert.equal(
            pinnedFromEngine("jupyter/base-notebook:x", { id: D1, repoDigest: `docker.io/jupyter/base-notebook@${D2}` }),
            `jupyter/base-notebook@${D2}`,
            "Docker Hub's implicit host",
        );
        assert.equal(pinnedFromEngine("busybox:1", { id: D1, repoDigest: `docker.io/library/busybox@${D2}` }), `busybox@${D2}`);
        assert.equal(
            pinnedFromEngine("site/retagged:1", { id: D1, repoDigest: `quay.io/other/image@${D2}` }),
            D1,
            "a digest of another repository cannot be pulled under this name",
        );
        assert.throws(() => pinnedFromEngine("x:1", { id: "", repoDigest: "" }), /no image ID for x:1/);
    });

    it("pins a tag the registry resolved by the manifest digest", () => {
        assert.equal(pinnedFromRegistry("registry.example.org/site/hub:5.3.0", D2), `registry.example.org/site/hub@${D2}`);
        assert.throws(() => pinnedFromRegistry("r/x:1", ""), /no sha256 digest for r\/x:1/);
    });
});
