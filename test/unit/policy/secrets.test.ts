/**
 * policy/secrets.ts against the real @pulumi/policy deserializer: a protobuf Struct marshalled
 * the way the engine sends it (secrets wrapped in the secret signature) goes through the
 * library's own deserializeProperties and proxy, as its server does for every validation.
 */
import { strict as assert } from "assert";
import { isSecretAt, rawSecretPaths, SECRET_SIG, secretPathsOf, SIG_KEY, trackSecrets } from "../../../policy/secrets";

/* eslint-disable @typescript-eslint/no-require-imports */
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(v: unknown): unknown } };
const deserialize = require("@pulumi/policy/deserialize") as {
    deserializeProperties(s: unknown, proxySecrets: boolean): Record<string, unknown>;
};
const proxy = require("@pulumi/policy/proxy") as { unknownCheckingProxy<T>(v: T): T };
/* eslint-enable @typescript-eslint/no-require-imports */

const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });

describe("policy/secrets: which properties are secret", () => {
    before(() => trackSecrets());

    it("finds secrets by path in a marshalled property bag", () => {
        const paths = rawSecretPaths({
            envs: secret(["A=1"]),
            registryAuth: [{ address: "r", password: secret("p") }],
            stringData: { "cookie-secret": secret("c"), plain: "x" },
            nested: { list: [1, secret(2)] },
        });
        assert.deepEqual([...paths].sort(), ["envs", "nested.list[1]", "registryAuth[0].password", "stringData.cookie-secret"].sort());
    });

    it("a secret list makes every element secret; a sibling stays plaintext", () => {
        const paths = new Set(["envs", "stringData.a"]);
        assert.ok(isSecretAt(paths, "envs[3]"));
        assert.ok(isSecretAt(paths, "stringData.a"));
        assert.ok(!isSecretAt(paths, "stringData.b"));
        assert.ok(!isSecretAt(paths, "envsX"));
    });

    it("through the library's own deserializer and proxy, values are unwrapped and their secret-ness is kept aside", () => {
        const struct = Struct.fromJavaScript({ envs: secret(["TOKEN=abc"]), image: "sha256:x", labels: [{ label: "a", value: "b" }] });
        const props = proxy.unknownCheckingProxy(deserialize.deserializeProperties(struct, false));
        assert.deepEqual(props.envs, ["TOKEN=abc"], "the validation sees the plaintext (upstream behaviour)");
        assert.deepEqual([...secretPathsOf(props)], ["envs"]);
        const plain = proxy.unknownCheckingProxy(deserialize.deserializeProperties(Struct.fromJavaScript({ envs: ["TOKEN=abc"] }), false));
        assert.deepEqual([...secretPathsOf(plain)], []);
    });

    it("refuses to guess for properties it never saw", () => {
        assert.throws(() => secretPathsOf({ envs: [] }), /no secret information/);
    });
});
