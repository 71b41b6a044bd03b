import * as assert from "assert";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { localConfig } from "../fixtures/config";
import { setupMocks } from "../fixtures/platformMocks";
import { settle, valueOf } from "../harness";
import { DEFAULT_DOCKER_SOCKET, localDockerHost, localDockerSocket } from "../../../topologies/local";

describe("local topology: which engine", () => {
    it("uses the default socket when DOCKER_HOST is unset or empty", () => {
        assert.strictEqual(localDockerSocket({}), DEFAULT_DOCKER_SOCKET);
        assert.strictEqual(localDockerSocket({ DOCKER_HOST: " " }), DEFAULT_DOCKER_SOCKET);
        assert.strictEqual(localDockerHost({}), "unix:///var/run/docker.sock");
    });

    it("follows DOCKER_HOST when it names a unix socket (a private engine)", () => {
        assert.strictEqual(localDockerSocket({ DOCKER_HOST: "unix:///tmp/run/docker.sock" }), "/tmp/run/docker.sock");
        assert.strictEqual(localDockerHost({ DOCKER_HOST: "unix:///tmp/run/docker.sock" }), "unix:///tmp/run/docker.sock");
    });

    it("refuses a DOCKER_HOST that is not a socket on this machine, naming it", () => {
        for (const host of ["tcp://127.0.0.1:2375", "ssh://admin@vm", "unix://relative.sock", "/var/run/docker.sock"]) {
            assert.throws(
                () => localDockerSocket({ DOCKER_HOST: host }),
                new RegExp(`DOCKER_HOST=${host.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is not a unix socket`),
            );
        }
    });

    it("deploys on the engine DOCKER_HOST names: provider, the hub's socket mount and the dockerHost output", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jhp-local-test-"));
        const socket = path.join(dir, "docker.sock");
        const server = net.createServer();
        await new Promise<void>((resolve) => server.listen(socket, resolve));
        const saved = process.env.DOCKER_HOST;
        process.env.DOCKER_HOST = `unix://${socket}`;
        try {
            const mocks = await setupMocks();
            const { deployTopology } = await import("../../../topologies");
            const outputs = deployTopology(localConfig({}, { stack: "private-engine" }));
            await settle(mocks);
            assert.strictEqual(mocks.byName("local-docker").inputs.host, `unix://${socket}`);
            const mounts = mocks.byName("hub-hub").inputs.mounts as { source: string; target: string }[];
            assert.ok(
                mounts.some((m) => m.source === socket && m.target === "/var/run/docker.sock"),
                `the hub mounts ${socket}: ${JSON.stringify(mounts)}`,
            );
            assert.strictEqual(await valueOf(outputs.dockerHost), `unix://${socket}`);
        } finally {
            if (saved === undefined) delete process.env.DOCKER_HOST;
            else process.env.DOCKER_HOST = saved;
            server.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
