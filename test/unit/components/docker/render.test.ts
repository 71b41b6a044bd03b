import * as assert from "assert";
import {
    goDuration,
    dockerNames,
    dockerSpawnerBlock,
    dockerSpawnerEscape,
    hubEnv,
    labelList,
    proxyCommand,
    proxyEnv,
    proxyPorts,
    stackLabels,
    userHomeVolumeName,
} from "../../../../components/docker/render";
import { janitorPlan } from "../../../../components/docker/userServerJanitor";
import { cleanName } from "../../../../components/shared/names";
import { platformConfig } from "../../fixtures/config";

describe("docker renderers", () => {
    it("escapes user names exactly like DockerSpawner (escapism, '-' escape, lower case)", () => {
        // Expected values computed with escapism.escape(name, a-z0-9, escape_char='-').lower().
        const cases: [string, string][] = [
            ["alice", "alice"],
            ["Alice", "-41lice"],
            ["bob.smith", "bob-2esmith"],
            ["user-1", "user-2d1"],
            ["x_y", "x-5fy"],
            ["élodie", "-c3-a9lodie"],
            ["a@b.c", "a-40b-2ec"],
            ["日本", "-e6-97-a5-e6-9c-ac"],
        ];
        for (const [name, escaped] of cases) {
            assert.strictEqual(dockerSpawnerEscape(name), escaped, name);
        }
    });

    it("names every object of a stack under one prefix", () => {
        const config = platformConfig({}, { stack: "Dev_Stack" });
        const names = dockerNames(config);
        assert.strictEqual(cleanName("Dev_Stack", "default"), "dev-stack");
        assert.strictEqual(cleanName("__", "default"), "default");
        assert.deepStrictEqual(names, {
            base: "jupyterhub-dev-stack",
            network: "jupyterhub-dev-stack-net",
            hubContainer: "jupyterhub-dev-stack-hub",
            proxyContainer: "jupyterhub-dev-stack-proxy",
            hubDbVolume: "jupyterhub-dev-stack-hub-data",
            userContainerPrefix: "jupyterhub-dev-stack-user",
            userVolumePrefix: "jupyterhub-dev-stack-home-",
            backupContainer: "jupyterhub-dev-stack-backup",
            backupStatusVolume: "jupyterhub-dev-stack-backup-status",
            backupRepositoryVolume: "jupyterhub-dev-stack-backups",
        });
        assert.strictEqual(userHomeVolumeName(config, "Bob.Smith"), "jupyterhub-dev-stack-home--42ob-2e-53mith");
    });

    it("labels objects with project, stack and role", () => {
        const config = platformConfig();
        assert.deepStrictEqual(stackLabels(config, "hub"), {
            "org.jupyterhub-platform.project": "jupyterhub-platform",
            "org.jupyterhub-platform.stack": "unit",
            "org.jupyterhub-platform.role": "hub",
        });
        assert.deepStrictEqual(labelList({ b: "2", a: "1" }), [
            { label: "a", value: "1" },
            { label: "b", value: "2" },
        ]);
        const block = dockerSpawnerBlock(config);
        assert.strictEqual(block.labels["org.jupyterhub-platform.role"], "user-server");
        assert.strictEqual(block.containerPrefix, "jupyterhub-unit-user");
    });

    it("runs the proxy on HTTP with the hub as default target", () => {
        const args = proxyCommand("jupyterhub-unit-hub");
        assert.ok(args.includes("--port=8000"));
        assert.ok(args.includes("--default-target=http://jupyterhub-unit-hub:8081"));
        assert.ok(args.includes("--error-target=http://jupyterhub-unit-hub:8081/hub/error"));
        assert.ok(args.includes("--api-port=8001"));
        assert.ok(!args.some((a) => a.startsWith("--ssl")));
    });

    it("serves TLS on 8443 with an HTTP redirect unless disabled", () => {
        const tls = { certPath: "/etc/letsencrypt/live/hub/fullchain.pem", keyPath: "/etc/letsencrypt/live/hub/privkey.pem" };
        const args = proxyCommand("hub", tls);
        assert.ok(args.includes("--port=8443"));
        assert.ok(args.includes("--ssl-cert=/etc/proxy-tls/cert.pem"));
        assert.ok(args.includes("--ssl-key=/etc/proxy-tls/key.pem"));
        assert.ok(args.includes("--redirect-port=8000"));
        assert.ok(!proxyCommand("hub", { ...tls, redirectHttp: false }).some((a) => a.startsWith("--redirect")));
    });

    it("publishes hub.port on the bind address, or 443 and 80 with TLS", () => {
        const local = platformConfig({ "hub.port": "18000" });
        assert.deepStrictEqual(proxyPorts(local), [{ internal: 8000, external: 18000, ip: "127.0.0.1", protocol: "tcp" }]);
        const tls = { certPath: "/c", keyPath: "/k" };
        assert.deepStrictEqual(
            proxyPorts(local, tls).map((p) => [p.internal, p.external]),
            [
                [8443, 443],
                [8000, 80],
            ],
        );
        assert.deepStrictEqual(
            proxyPorts(local, { ...tls, redirectHttp: false }).map((p) => p.external),
            [443],
        );
    });

    it("puts only the given secrets into the hub environment, sorted", () => {
        const env = hubEnv({ cookieSecret: "c", proxyToken: "t", cryptKey: "k", dummyPassword: "d" }, { PLATFORM_PROXY_CONTAINER: "abc" });
        assert.deepStrictEqual(env, [
            "CONFIGPROXY_AUTH_TOKEN=t",
            "PLATFORM_COOKIE_SECRET=c",
            "PLATFORM_CRYPT_KEY=k",
            "PLATFORM_DUMMY_PASSWORD=d",
            "PLATFORM_PROXY_CONTAINER=abc",
        ]);
        assert.ok(!hubEnv({ cookieSecret: "c", proxyToken: "t", cryptKey: "k" }).some((e) => e.startsWith("PLATFORM_DUMMY")));
        assert.deepStrictEqual(proxyEnv("tok"), ["CONFIGPROXY_AUTH_TOKEN=tok"]);
    });

    it("plans the janitor's removals: containers always, home volumes only when data is not kept", () => {
        const inputs = {
            dockerHost: "unix:///var/run/docker.sock",
            containerLabel: "org.jupyterhub-platform.stack=unit",
            userVolumePrefix: "jupyterhub-unit-home-",
            removeVolumes: false,
        };
        const vols = ["jupyterhub-unit-home-bob", "jupyterhub-unit-home-alice", "jupyterhub-unit-hub-data", "other-jupyterhub-unit-home-x"];
        assert.deepStrictEqual(janitorPlan(inputs, ["c1", "c2"], vols), [["rm", "-f", "c1", "c2"]]);
        assert.deepStrictEqual(janitorPlan(inputs, [], vols), []);
        assert.deepStrictEqual(janitorPlan({ ...inputs, removeVolumes: true }, ["c1"], vols), [
            ["rm", "-f", "c1"],
            ["volume", "rm", "jupyterhub-unit-home-alice", "jupyterhub-unit-home-bob"],
        ]);
    });
});

describe("goDuration (the health check durations as the Docker provider reads them back)", () => {
    it("prints whole seconds as Go's time.Duration does", () => {
        const cases: [number, string][] = [
            [0, "0s"],
            [5, "5s"],
            [59, "59s"],
            [60, "1m0s"],
            [90, "1m30s"],
            [180, "3m0s"],
            [900, "15m0s"],
            [3600, "1h0m0s"],
            [3661, "1h1m1s"],
        ];
        for (const [seconds, want] of cases) assert.strictEqual(goDuration(seconds), want, String(seconds));
    });
    it("refuses what is not a whole number of seconds", () => {
        assert.throws(() => goDuration(1.5), /1.5 is not a whole number of seconds/);
        assert.throws(() => goDuration(-1), /-1 is not/);
    });
});
