import * as assert from "assert";
import { dockerRunCommand, failureMessage } from "../../../../components/docker/dockerRun";

describe("DockerRun (one-shot container)", () => {
    it("runs `docker run --rm`, with -i only when there is standard input", () => {
        assert.deepStrictEqual(dockerRunCommand({ args: ["--network", "none", "img", "true"] }), [
            "run",
            "--rm",
            "--network",
            "none",
            "img",
            "true",
        ]);
        assert.deepStrictEqual(dockerRunCommand({ args: ["img", "-"], stdin: "print(1)" }), ["run", "--rm", "-i", "img", "-"]);
    });

    it("fails with the purpose, the exit status and the container's last lines", () => {
        const output = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n");
        const msg = failureMessage("check the hub image", 1, output);
        assert.match(msg, /^check the hub image: the container exited 1:\nline 16\n/);
        assert.ok(msg.endsWith("line 30"));
        assert.ok(!msg.includes("line 15\n"));
        assert.strictEqual(failureMessage("fill software", 2, ""), "fill software: the container exited 2 without output");
        assert.match(failureMessage("fill software", null, "", "SIGTERM"), /was stopped by SIGTERM \(timeout\?\)/);
    });
});
