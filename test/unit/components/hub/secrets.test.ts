import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { hubSecrets, requiredHubSecrets } from "../../../../components/hub/secrets";
import { isSecret, setup, settle, valueOf } from "../../harness";
import { platformConfig } from "../../fixtures/config";

class Parent extends pulumi.ComponentResource {
    constructor() {
        super("test:index:Parent", "p");
    }
}

describe("hub secrets (one recipe for every topology)", () => {
    it("generates cookie secret, proxy token and crypt key (64 alphanumerics) and a 24-character dummy password", async () => {
        const mocks = await setup({});
        const values = hubSecrets("hub", platformConfig(), new Parent());
        await settle(mocks);
        const generated = mocks
            .ofType("random:index/randomPassword:RandomPassword")
            .map((r) => [r.name, r.inputs.length, r.inputs.special]);
        assert.deepStrictEqual(generated.sort(), [
            ["hub-cookie-secret", 64, false],
            ["hub-crypt-key", 64, false],
            ["hub-dummy-password", 24, false],
            ["hub-proxy-token", 64, false],
        ]);
        for (const [key, value] of Object.entries(values)) {
            assert.ok(await isSecret(value as pulumi.Output<string>), `${key} is secret`);
        }
        assert.strictEqual(await valueOf(values.cookieSecret), "mock-password-hub-cookie-secret");
    });

    it("uses a configured dummy password instead of generating one, still secret", async () => {
        const mocks = await setup({});
        const config = platformConfig({ "hub.auth.dummyPassword": "configured-dummy" }, { secretKeys: ["hub.auth.dummyPassword"] });
        const values = hubSecrets("hub", config, new Parent());
        await settle(mocks);
        assert.ok(!mocks.resources.some((r) => r.name === "hub-dummy-password"));
        assert.strictEqual(await valueOf(values.dummyPassword!), "configured-dummy");
        assert.ok(await isSecret(values.dummyPassword!));
    });

    it("passes the OAuth client secret and an external database URL through, and only what the config needs", () => {
        const oauth = platformConfig(
            {
                "hub.auth.type": "github",
                "hub.domain": "hub.example.org",
                "hub.auth.oauth.clientId": "id",
                "hub.auth.oauth.clientSecret": "s",
                "hub.db.type": "external",
                "hub.db.url": "postgresql://hub:pw@db/hub",
            },
            { secretKeys: ["hub.auth.oauth.clientSecret", "hub.db.url"] },
        );
        assert.deepStrictEqual(requiredHubSecrets(oauth), ["cookieSecret", "proxyToken", "cryptKey", "oauthClientSecret", "dbUrl"]);
        assert.deepStrictEqual(requiredHubSecrets(platformConfig()), ["cookieSecret", "proxyToken", "cryptKey", "dummyPassword"]);
    });
});
