/** Image references by tag, shared volumes filled from an image, a prebuilt hub image and the IdP's CA bundle. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { hubConfig, KUBERNETES, LOCAL, parse, problemsOf } from "./fixtures";

const list = (...items: string[]): string => JSON.stringify(items);
const CA = fs.readFileSync(path.resolve(__dirname, "../fixtures/test-ca.pem"), "utf8");

describe("config: images by tag, shared volume sources, hub image, CA bundle", () => {
    it("accepts single-user and profile images by tag as well as by digest", () => {
        const digest = "registry.example.org/jupyter/r@sha256:" + "a".repeat(64);
        const result = parse({
            ...LOCAL,
            "singleuser.image": "quay.io/jupyter/scipy-notebook:2025-06-30",
            "singleuser.profiles": list("slug=r;name=R;image=" + digest, "slug=py;name=Python;image=127.0.0.1:5000/course/py:week3"),
        });
        assert.ok(result.ok, problemsOf(result).join("\n"));
        const su = hubConfig(result.config).singleuser;
        assert.equal(su.image, "quay.io/jupyter/scipy-notebook:2025-06-30");
        assert.deepEqual(
            su.profiles.map((p) => p.image),
            [digest, "127.0.0.1:5000/course/py:week3"],
        );
    });

    it("reads a shared volume's source, with the mount path as the default source path", () => {
        const result = parse({
            ...LOCAL,
            "singleuser.sharedVolumes": list(
                "software:/opt/software;image=site/software:2025.1",
                "data:/srv/data",
                "conda:/opt/conda;image=site/conda:1;path=/opt/conda-root",
            ),
        });
        assert.ok(result.ok, problemsOf(result).join("\n"));
        assert.deepEqual(hubConfig(result.config).singleuser.sharedVolumes, [
            { name: "software", mountPath: "/opt/software", source: { image: "site/software:2025.1", path: "/opt/software" } },
            { name: "data", mountPath: "/srv/data" },
            { name: "conda", mountPath: "/opt/conda", source: { image: "site/conda:1", path: "/opt/conda-root" } },
        ]);
    });

    it("gives a filled shared volume a claim size and access mode on Kubernetes", () => {
        const result = parse({
            ...KUBERNETES,
            "singleuser.sharedVolumes": list(
                "software:/opt/software;image=site/software:1",
                "big:/opt/big;image=site/big:1;size=200Gi;access=ReadWriteOnce",
            ),
        });
        assert.ok(result.ok, problemsOf(result).join("\n"));
        const [software, big] = hubConfig(result.config).singleuser.sharedVolumes;
        assert.equal(software.sizeBytes, 10 * 2 ** 30);
        assert.equal(software.accessMode, "ReadWriteMany");
        assert.equal(big.sizeBytes, 200 * 2 ** 30);
        assert.equal(big.accessMode, "ReadWriteOnce");
    });

    it("takes a prebuilt hub image by tag", () => {
        const result = parse({ ...LOCAL, "images.hub.image": "registry.example.org/site/hub:5.3.0-site1" });
        assert.ok(result.ok, problemsOf(result).join("\n"));
        assert.equal(result.config.images.hub.image, "registry.example.org/site/hub:5.3.0-site1");
        assert.equal(result.config.images.hub.baseImage, "quay.io/jupyterhub/jupyterhub:5.3.0", "the proxy is still built from the base");
    });

    it("keeps a CA bundle for CAS, normalized to PEM blocks", () => {
        const result = parse({
            ...LOCAL,
            "hub.auth.type": "cas",
            "hub.auth.cas.loginUrl": "https://cas.example.org/cas/login",
            "hub.auth.cas.serviceValidateUrl": "https://cas.example.org/cas/p3/serviceValidate",
            "hub.auth.caBundle": `\n${CA.trim()}\n\n${CA.trim()}\n`,
        });
        assert.ok(result.ok, problemsOf(result).join("\n"));
        const bundle = hubConfig(result.config).hub.auth.caBundle;
        assert.equal(bundle, `${CA.trim()}\n${CA.trim()}\n`);
    });
});
