// test/e2e/common/lib.ts run(): the process runner of the end-to-end tests.
import * as assert from "assert";
import { run } from "../../e2e/common/lib";

describe("e2e run() helper", () => {
    it("survives a child that exits without reading its stdin (EPIPE), returning its exit code", async () => {
        // e2e:dev-vm crashed on an unhandled EPIPE from a polled ssh that had already exited.
        // A megabyte of input is more than a pipe buffers, so the write outlives the child.
        for (let i = 0; i < 5; i++) {
            const r = await run("sh", ["-c", "exec 0<&-; exit 3"], { input: "x".repeat(1 << 20), timeoutMs: 10_000 });
            assert.strictEqual(r.code, 3);
        }
    });

    it("passes input to a child that reads it", async () => {
        const r = await run("cat", [], { input: "hello", timeoutMs: 10_000 });
        assert.strictEqual(r.stdout, "hello");
    });
});
