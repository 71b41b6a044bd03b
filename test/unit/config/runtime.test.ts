import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { flattenRuntimeConfig } from "../../../config/runtime";

const NS = "jupyterhub-platform";

describe("flattenRuntimeConfig", () => {
    it("flattens the nested shape the engine uses for Pulumi.yaml defaults", () => {
        const { values } = flattenRuntimeConfig(
            {
                [`${NS}:topology`]: "local",
                [`${NS}:hub`]: JSON.stringify({ port: 8000, cull: { enabled: true, timeout: 3600 }, adminUsers: ["a"], domain: "" }),
                "aws:region": "elsewhere",
            },
            [],
            NS,
        );
        assert.deepEqual(values, {
            topology: "local",
            "hub.port": "8000",
            "hub.cull.enabled": "true",
            "hub.cull.timeout": "3600",
            "hub.adminUsers": '["a"]',
            "hub.domain": "",
        });
    });

    it("lets an explicitly flat key win over a nested default", () => {
        const { values } = flattenRuntimeConfig({ [`${NS}:hub`]: '{"port":8000}', [`${NS}:hub.port`]: "9000" }, [], NS);
        assert.equal(values["hub.port"], "9000");
    });

    it("keeps secret marks, for flat keys and for every leaf under a secret object", () => {
        const { secretKeys } = flattenRuntimeConfig(
            {
                [`${NS}:hub.auth.oauth.clientSecret`]: "x",
                [`${NS}:images`]: '{"registry":{"password":"y","username":"u"}}',
                [`${NS}:hub.port`]: "1",
            },
            [`${NS}:hub.auth.oauth.clientSecret`, `${NS}:images`],
            NS,
        );
        assert.deepEqual([...secretKeys].sort(), ["hub.auth.oauth.clientSecret", "images.registry.password", "images.registry.username"]);
    });

    it("does not reinterpret a declared string key whose value looks like JSON", () => {
        const { values } = flattenRuntimeConfig({ [`${NS}:singleuser.postStartCommand`]: '{"a":1}' }, [], NS);
        assert.deepEqual(values, { "singleuser.postStartCommand": '{"a":1}' });
    });
});

describe("keys outside the project's namespace", () => {
    it("reports a misspelt project namespace with the key that was meant, and leaves provider namespaces alone", async () => {
        const { flattenRuntimeConfig } = await import("../../../config/runtime");
        const { parseConfig } = await import("../../../config/parse");
        const raw = flattenRuntimeConfig(
            {
                "jupyterhub-platfrom:hub.port": "9000",
                "jupyterhub:hub.pageTitle": "Course hub",
                "openstack:cloud": "site",
                "kubernetes:context": "admin",
                "pulumi:template": "x",
            },
            [],
            "jupyterhub-platform",
        );
        assert.deepStrictEqual(raw.misplacedKeys, ["jupyterhub-platfrom:hub.port", "jupyterhub:hub.pageTitle"]);
        const result = parseConfig(raw, {
            project: "jupyterhub-platform",
            stack: "unit",
            makeSecret: (_k, v) => pulumi.secret(v),
            projectDir: "/work/project",
        });
        assert.ok(!result.ok);
        assert.deepStrictEqual(result.problems, [
            'jupyterhub-platfrom:hub.port: unknown config namespace "jupyterhub-platfrom", so the setting would be ignored; did you mean jupyterhub-platform:hub.port?',
            'jupyterhub:hub.pageTitle: unknown config namespace "jupyterhub", so the setting would be ignored; did you mean jupyterhub-platform:hub.pageTitle?',
        ]);
    });
});
