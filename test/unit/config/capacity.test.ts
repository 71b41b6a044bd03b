/** Capacity planning: the warnings preview and up print, and the docs/capacity.md table. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
    activeServerBytes,
    capacityWarnings,
    MEASURED_MEMORY,
    NODE_RESERVED_BYTES,
    PAGE_CACHE_SHARE,
    plannedServerBytes,
    renderCapacityTable,
    serversThatFit,
} from "../../../config/capacity";
import { parseConfig, type ParseResult } from "../../../config/parse";
import { DEFAULT_SECRETS, EXISTING, KUBECONFIG, KUBERNETES, LOCAL, problemsOf } from "./fixtures";

const GiB = 2 ** 30;
const MiB = 2 ** 20;

function parseWith(values: Record<string, string>, hostMemoryBytes?: number): ParseResult {
    return parseConfig(
        { values, secretKeys: new Set(DEFAULT_SECRETS) },
        {
            project: "jupyterhub-platform",
            stack: "unit",
            makeSecret: (_key, value) => pulumi.secret(value),
            projectDir: path.resolve(__dirname, "../../.."),
            ...(hostMemoryBytes !== undefined ? { hostMemoryBytes } : {}),
        },
    );
}

function warningsOf(result: ParseResult): string[] {
    assert.ok(result.ok, problemsOf(result).join("\n"));
    return result.warnings;
}

describe("config: capacity", () => {
    it("says nothing when no users are expected and no placeholders are configured", () => {
        assert.deepEqual(warningsOf(parseWith(LOCAL, 4 * GiB)), []);
        assert.deepEqual(warningsOf(parseWith(KUBERNETES)), []);
    });

    it("warns on local when the expected users' idle servers exceed this machine's memory, with how many fit", () => {
        const [w, ...rest] = warningsOf(parseWith({ ...LOCAL, "capacity.expectedUsers": "200" }, 8 * GiB));
        assert.deepEqual(rest, []);
        const fit = serversThatFit(1, 8 * GiB, plannedServerBytes(undefined, "local"));
        assert.ok(fit > 0 && fit < 200);
        assert.match(w, /^capacity\.expectedUsers \(200\) do not fit: /);
        assert.match(w, /on 1 node of 8Gi \(capacity\.nodeMemory;/);
        assert.match(w, new RegExp(`about ${fit} fit`));
        assert.match(w, /OOM killer/);
        // The same stack on a machine big enough for them: no warning.
        assert.deepEqual(warningsOf(parseWith({ ...LOCAL, "capacity.expectedUsers": "200" }, 64 * GiB)), []);
    });

    it("takes capacity.nodeMemory over this machine's memory", () => {
        const small = { ...LOCAL, "capacity.expectedUsers": "50", "capacity.nodeMemory": "2Gi" };
        assert.equal(warningsOf(parseWith(small, 64 * GiB)).length, 1);
    });

    it("warns that placeholders without a memory guarantee keep no room", () => {
        const w = warningsOf(parseWith({ ...KUBERNETES, "kubernetes.userPlaceholders": "4" }));
        assert.equal(w.length, 1);
        assert.match(w[0], /kubernetes\.userPlaceholders \(4\) keep no room: .*singleuser\.memory\.guarantee, which is empty/);
    });

    it("warns when the placeholders alone fill the workers (openstack.nodes.workers × capacity.nodeMemory)", () => {
        const cfg = {
            ...KUBERNETES,
            "kubernetes.userPlaceholders": "40",
            "singleuser.memory.guarantee": "1Gi",
            "openstack.nodes.workers": "2",
            "capacity.nodeMemory": "16Gi",
        };
        const w = warningsOf(parseWith(cfg));
        assert.equal(w.length, 1, w.join("\n"));
        assert.match(
            w[0],
            /kubernetes\.userPlaceholders \(40\) × singleuser\.memory\.guarantee \(1Gi\) = 40Gi, more than the .* on 2 nodes of 16Gi/,
        );
        assert.match(w[0], /the placeholders alone fill the nodes/);
        // Fewer placeholders fit; the expected users then count with them.
        const ok = warningsOf(parseWith({ ...cfg, "kubernetes.userPlaceholders": "4", "capacity.expectedUsers": "20" }));
        assert.deepEqual(ok, []);
        const tooMany = warningsOf(parseWith({ ...cfg, "kubernetes.userPlaceholders": "4", "capacity.expectedUsers": "40" }));
        assert.equal(tooMany.length, 1);
        assert.match(
            tooMany[0],
            /capacity\.expectedUsers \(40\) do not fit: 1\.0Gi each \(singleuser\.memory\.guarantee 1Gi.*and 4Gi for the placeholders.*Pending/,
        );
    });

    it("warns when one server's guarantee is more than a node has", () => {
        const w = warningsOf(
            parseWith({
                ...KUBERNETES,
                "singleuser.memory.limit": "16Gi",
                "singleuser.memory.guarantee": "8Gi",
                "capacity.nodeMemory": "8Gi",
                "capacity.expectedUsers": "1",
            }),
        );
        assert.equal(w.length, 1);
        assert.match(
            w[0],
            /singleuser\.memory\.guarantee \(8Gi\) is more than one node has for servers \(5\.7Gi of 8Gi\): no server can be placed/,
        );
    });

    it("on an existing cluster, needs capacity.nodes to check, and uses it", () => {
        const existing = {
            ...EXISTING,
            "kubernetes.kubeconfig": KUBECONFIG,
            "capacity.expectedUsers": "100",
            "capacity.nodeMemory": "8Gi",
        };
        const unknown = warningsOf(parseWith(existing));
        assert.equal(unknown.length, 1);
        assert.match(
            unknown[0],
            /capacity\.expectedUsers \(100\) is not checked against the nodes: set capacity\.nodeMemory \(and capacity\.nodes on an existing cluster\)/,
        );
        const one = warningsOf(parseWith({ ...existing, "capacity.nodes": "1" }));
        assert.equal(one.length, 1);
        assert.match(one[0], /on 1 node of 8Gi/);
        assert.deepEqual(warningsOf(parseWith({ ...existing, "capacity.nodes": "4" })), []);
    });

    it("warns when more users are expected than hub.activeServerLimit lets run", () => {
        const w = warningsOf(parseWith({ ...LOCAL, "capacity.expectedUsers": "30", "hub.activeServerLimit": "20" }, 64 * GiB));
        assert.deepEqual(w, [
            "capacity.expectedUsers (30) is above hub.activeServerLimit (20): 10 of them cannot start a server while the others run",
        ]);
    });

    it("rejects a bad capacity.nodeMemory and capacity.nodes where there is only one machine, naming key, value and what is allowed", () => {
        const p = problemsOf(parseWith({ ...LOCAL, "capacity.nodeMemory": "lots", "capacity.nodes": "3" }));
        assert.equal(p.length, 2, p.join("\n"));
        assert.match(p[0], /^jupyterhub-platform:capacity\.nodeMemory: not a size; got "lots"; allowed: /);
        assert.match(
            p[1],
            /^jupyterhub-platform:capacity\.nodes: topology local runs every server on one machine; got 3; allowed: 0 \(unset\) on this topology/,
        );
    });

    it("the pure function agrees with the figures it is given", () => {
        // 4 nodes of 4Gi, 512Mi guarantees: each node keeps the reserve and the page-cache share.
        const perServer = plannedServerBytes(512 * MiB);
        assert.ok(perServer > 512 * MiB && perServer < 520 * MiB);
        const available = 4 * (4 * GiB * (1 - PAGE_CACHE_SHARE) - NODE_RESERVED_BYTES) - MEASURED_MEMORY.hubAndProxyBytes;
        const fit = Math.floor(available / perServer);
        const input = {
            topology: "kubernetes" as const,
            nodes: 4,
            nodeMemoryBytes: 4 * GiB,
            placeholders: 0,
            guaranteeBytes: 512 * MiB,
            activeServerLimit: 0,
        };
        assert.deepEqual(capacityWarnings({ ...input, expectedUsers: fit }), []);
        assert.equal(capacityWarnings({ ...input, expectedUsers: fit + 1 }).length, 1);
        // Docker has no guarantee: a server is planned at what it holds idle, whatever the key says.
        assert.equal(plannedServerBytes(512 * MiB, "docker-vm"), plannedServerBytes(undefined, "docker-vm"));
    });

    it("on Docker, warns separately when the users fit idle but not computing at once", () => {
        const w = warningsOf(parseWith({ ...LOCAL, "capacity.expectedUsers": "150" }, 24 * GiB));
        assert.equal(w.length, 1, w.join("\n"));
        assert.match(w[0], /^capacity\.expectedUsers \(150\) fit while idle but not when they compute at once: .* about \d+ fit then/);
        assert.equal(serversThatFit(1, 24 * GiB, activeServerBytes()) < 150, true);
        assert.equal(serversThatFit(1, 24 * GiB, plannedServerBytes(undefined, "local")) >= 150, true);
    });

    it("docs/capacity.md holds the table rendered from the same figures (npm run docs:config)", () => {
        const doc = fs.readFileSync(path.resolve(__dirname, "../../../docs/capacity.md"), "utf8");
        assert.ok(doc.includes(renderCapacityTable()), "docs/capacity.md is stale: run npm run docs:config");
        const rows = renderCapacityTable().split("\n").slice(2);
        assert.equal(rows.length, 4);
        const idle = rows.map((r) => Number(r.split("|")[3]));
        assert.ok(
            idle.every((n, i) => i === 0 || n > idle[i - 1]),
            `more memory fits more servers: ${idle.join(", ")}`,
        );
    });
});
