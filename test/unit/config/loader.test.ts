/** loadStackConfig() through the Pulumi runtime: secrets stay secret, bad config stops the program. */
import { strict as assert } from "assert";
import { ConfigValidationError, loadStackConfig } from "../../../config";
import { isSecret, setup, valueOf } from "../harness";
import { hubConfig } from "./fixtures";

describe("loadStackConfig", () => {
    it("returns a frozen typed config with secrets as secret Outputs", async () => {
        await setup(
            {
                "hub.auth.type": "github",
                "hub.auth.oauth.clientId": "abc",
                "hub.auth.oauth.clientSecret": "shh",
                "hub.adminUsers": '["alice"]',
            },
            { secretKeys: ["hub.auth.oauth.clientSecret"] },
        );
        const config = hubConfig(loadStackConfig());
        assert.equal(config.topology, "local");
        assert.deepEqual(config.hub.adminUsers, ["alice"]);
        assert.ok(Object.isFrozen(config) && Object.isFrozen(config.hub) && Object.isFrozen(config.hub.adminUsers));
        const secret = config.hub.auth.oauth?.clientSecret;
        assert.ok(secret);
        assert.equal(await isSecret(secret), true);
        assert.equal(await valueOf(secret), "shh");
        assert.ok(!JSON.stringify(config).includes("shh"), "secret leaked into the plain config object");
    });

    it("throws one error listing every problem before any resource exists", async () => {
        const mocks = await setup({ "hub.tls.mode": "acme", "singleuser.memory.limit": "2GB", "hub.auth.oauth.clientSecret": "plain" });
        assert.throws(
            () => loadStackConfig(),
            (e: unknown) =>
                e instanceof ConfigValidationError &&
                e.problems.length === 3 &&
                /Invalid stack configuration \(3 problems\); nothing was created/.test(e.message) &&
                e.message.includes('jupyterhub-platform:hub.tls.mode: unknown value; got "acme"') &&
                e.message.includes("jupyterhub-platform:hub.auth.oauth.clientSecret: is stored in plaintext"),
        );
        assert.equal(mocks.resources.length, 0);
    });
});

describe("loadStackConfig with the engine's nested defaults", () => {
    it("reads defaults applied as config paths and flat overrides together", async () => {
        await setup({ hub: JSON.stringify({ port: 8000, pageTitle: "JupyterHub", cull: { timeout: 3600 } }), "hub.port": "9000" });
        const config = hubConfig(loadStackConfig());
        assert.equal(config.hub.port, 9000);
        assert.equal(config.hub.cull.timeoutSeconds, 3600);
        assert.equal(config.hub.publicUrl, "http://127.0.0.1:9000");
    });
});
