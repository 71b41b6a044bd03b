import * as assert from "assert";
import { DEFAULT_REGISTRY_PORT } from "../../../../bench/cluster";
import { DEFAULT_USERS, MAX_USERS, makeTarget, parseLoadOptions } from "../../../../bench/load/load";

describe("load options", () => {
    it("runs on the local target with 50 users unless told otherwise", () => {
        const o = parseLoadOptions([], {});
        assert.strictEqual(o.target, "local");
        assert.strictEqual(o.users, 50);
        assert.strictEqual(o.port, 18200);
        assert.strictEqual(makeTarget(o, "load-x", {}).kind, "local");
    });

    it("takes the k8s target from the flag (both spellings) or LOAD_TARGET, with 10 users by default", () => {
        for (const [argv, env] of [
            [["--target", "k8s"], {}],
            [["--target=k8s"], {}],
            [[], { LOAD_TARGET: "k8s" }],
        ] as [string[], NodeJS.ProcessEnv][]) {
            const o = parseLoadOptions(argv, env);
            assert.strictEqual(o.target, "k8s", JSON.stringify(argv));
            assert.strictEqual(o.users, DEFAULT_USERS.k8s);
            assert.strictEqual(o.users, 10);
            assert.strictEqual(o.registryPort, DEFAULT_REGISTRY_PORT);
        }
        // The flag wins over the environment.
        assert.strictEqual(parseLoadOptions(["--target", "local"], { LOAD_TARGET: "k8s" }).target, "local");
    });

    it("keeps the same bounds on every target", () => {
        assert.strictEqual(parseLoadOptions(["--target", "k8s", "--users", "25", "--duration", "120"], {}).users, 25);
        assert.throws(() => parseLoadOptions(["--target", "k8s", "--users", String(MAX_USERS + 1)], {}), /outside 1\.\.200/);
        assert.throws(() => parseLoadOptions(["--target", "k8s", "--duration", "5"], {}), /--duration/);
        assert.throws(() => parseLoadOptions(["--target", "k8s", "--interval", "0.5"], {}), /--interval/);
        assert.throws(() => parseLoadOptions(["--users", "0"], {}), /--users/);
    });

    it("refuses an unknown target, a flag that does not apply to the target, and a flag without a value", () => {
        assert.throws(() => parseLoadOptions(["--target", "openstack"], {}), /one of local, k8s/);
        assert.throws(() => parseLoadOptions([], { LOAD_TARGET: "kubernetes" }), /one of local, k8s/);
        assert.throws(() => parseLoadOptions(["--target", "k8s", "--port", "18300"], {}), /--port is the local hub's port/);
        assert.throws(() => parseLoadOptions(["--registry-port", "15300"], {}), /--registry-port is for --target k8s only/);
        assert.throws(() => parseLoadOptions(["--target"], {}), /--target needs a value/);
        assert.throws(() => parseLoadOptions(["--bogus", "1"], {}), /unknown flag --bogus/);
        // LOAD_PORT in the environment is the local target's and does not stop a k8s run.
        assert.strictEqual(parseLoadOptions(["--target", "k8s"], { LOAD_PORT: "18300" }).target, "k8s");
    });

    it("makes the k8s target with the registry port and the pid file in LOAD_K8S_RUN", () => {
        const o = parseLoadOptions(["--target", "k8s", "--registry-port", "15300"], {});
        assert.strictEqual(o.registryPort, 15300);
        const t = makeTarget(o, "load-x", { LOAD_K8S_RUN: "/tmp/x" });
        assert.strictEqual(t.kind, "k8s");
        assert.strictEqual(t.stack, "load-x");
        assert.match(t.description, /single-node cluster/);
    });
});
