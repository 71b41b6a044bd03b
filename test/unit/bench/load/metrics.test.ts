import * as assert from "assert";
import { podCgroup, parseStalls, quantile } from "../../../../bench/load/metrics";

describe("load metrics", () => {
    it("reads the hub's event-loop stalls from its log lines", () => {
        const log = [
            "[I 2026-12-01 06:23:04.125 JupyterHub log:192] 200 GET /hub/api/users/a 18613.76ms",
            "[W 2026-12-01 06:23:05.001 JupyterHub metrics:501] Event loop was unresponsive for at least 1.90s!",
            "[W 2026-12-01 06:23:09.001 JupyterHub metrics:501] Event loop was unresponsive for at least 0.25s!",
            "[I 2026-12-01 06:23:10.000 JupyterHub app:1] the event loop is fine",
        ].join("\n");
        const { stalls, lines } = parseStalls(log);
        assert.deepStrictEqual(stalls, [1.9, 0.25]);
        assert.strictEqual(lines.length, 2);
        assert.deepStrictEqual(parseStalls("nothing here\n").stalls, []);
    });

    it("takes quantiles by rank (nearest rank, no interpolation)", () => {
        const xs = [5, 1, 4, 2, 3];
        assert.strictEqual(quantile(xs, 0.5), 3);
        assert.strictEqual(quantile(xs, 0.95), 5);
        assert.ok(Number.isNaN(quantile([], 0.5)));
    });

    it("finds a pod's cgroup under the kubelet's cgroupfs layout, by QoS class", () => {
        const uid = "0b7c1f4e-3d2a-4c8e-9f10-2a3b4c5d6e7f";
        assert.strictEqual(podCgroup({ uid, qosClass: "Guaranteed" }), `/kubepods/pod${uid}`);
        assert.strictEqual(podCgroup({ uid, qosClass: "Burstable" }), `/kubepods/burstable/pod${uid}`);
        assert.strictEqual(podCgroup({ uid, qosClass: "BestEffort" }), `/kubepods/besteffort/pod${uid}`);
        assert.throws(() => podCgroup({ uid }), /unknown QoS class/);
        assert.throws(() => podCgroup({ uid: "../../etc", qosClass: "Burstable" }), /not a pod uid/);
    });
});
