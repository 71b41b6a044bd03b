import { strict as assert } from "assert";
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
