/**
 * The PR comment renderer on hand-made `pulumi preview --json` documents and event streams
 * shaped like the CLI's (the real CLI's output is exercised by `npm run test:gitops`).
 */
import { strict as assert } from "assert";
import { atRisk, MARKER, parsePreview, redact, renderComment, urnParts } from "../../../../tools/gitops/previewComment";

const URN = (type: string, name: string, parent = "") =>
    `urn:pulumi:dev::jupyterhub-platform::${parent ? parent + "$" : ""}${type}::${name}`;
const HUB = URN("docker:index/container:Container", "hub-hub", "jupyterhub-platform:docker:DockerHub");
const DATA = URN("docker:index/volume:Volume", "hub-hub-data", "jupyterhub-platform:docker:DockerHub");
const SHARED = URN("docker:index/volume:Volume", "hub-shared-0", "jupyterhub-platform:docker:DockerHub");
const BRICK = URN("openstack:blockstorage/volume:Volume", "brick-0");
const SECRET = "s3cr3t-cookie-value-0123456789";

function summary(steps: unknown[], extra: Record<string, unknown> = {}): string {
    return JSON.stringify({
        config: { "jupyterhub-platform:hub.serviceTokens": `{"health":"${SECRET}-token"}` },
        steps,
        changeSummary: {},
        ...extra,
    });
}

const hubReplace = {
    op: "replace",
    urn: HUB,
    oldState: { type: "docker:index/container:Container", inputs: { envs: [`PLATFORM_COOKIE_SECRET=${SECRET}`] }, outputs: {} },
    newState: { type: "docker:index/container:Container", inputs: { envs: [`PLATFORM_COOKIE_SECRET=${SECRET}`], image: "sha256:abc" } },
    diffReasons: ["uploads", "envs"],
    replaceReasons: ["uploads"],
    detailedDiff: { uploads: { kind: "update-replace" }, envs: { kind: "update" } },
};

describe("tools/gitops/previewComment", () => {
    it("a no-op preview says so, with the stack's marker first", () => {
        const out = renderComment(parsePreview(summary([{ op: "same", urn: URN("pulumi:pulumi:Stack", "jupyterhub-platform-dev") }])), {
            stack: "dev",
        });
        assert.ok(out.startsWith(MARKER("dev") + "\n"));
        assert.match(out, /Pulumi preview of `dev`: ✅ no changes/);
        assert.match(out, /No resource would be created, updated, replaced or deleted/);
        assert.ok(!/User data at risk/.test(out));
    });

    it("lists a replacement with the properties that force it, and never a value, even when the JSON carries plaintext", () => {
        const p = parsePreview(summary([hubReplace]));
        const out = renderComment(p, { stack: "dev", runUrl: "https://github.com/o/r/actions/runs/1" });
        assert.match(out, /: 1 to change/);
        assert.match(out, /\| `hub-hub` \| `docker:index\/container:Container` \| replaced because of `uploads` \|/);
        assert.ok(!out.includes(SECRET), "a secret value leaked into the comment");
        assert.ok(!out.includes("sha256:abc"), "no value at all is printed");
        assert.match(out, /\[workflow run\]\(https:\/\/github.com\/o\/r\/actions\/runs\/1\)/);
        assert.equal(atRisk(p).length, 0, "a container holds no user data");
    });

    it("puts replacements and deletions of user data first and loudly; retained ones say they stay", () => {
        const p = parsePreview(
            summary([
                hubReplace,
                { op: "create", urn: URN("docker:index/volume:Volume", "hub-shared-1"), newState: { type: "docker:index/volume:Volume" } },
                { op: "delete", urn: SHARED, oldState: { type: "docker:index/volume:Volume", retainOnDelete: false } },
                { op: "delete", urn: DATA, oldState: { type: "docker:index/volume:Volume", retainOnDelete: true } },
                {
                    op: "replace",
                    urn: BRICK,
                    oldState: { type: "openstack:blockstorage/volume:Volume", protect: true },
                    replaceReasons: ["size"],
                },
                {
                    op: "delete",
                    urn: URN("random:index/randomPassword:RandomPassword", "kept"),
                    oldState: { type: "random:index/randomPassword:RandomPassword", protect: true },
                },
            ]),
        );
        const out = renderComment(p, { stack: "prod" });
        const caution = out.indexOf("[!CAUTION]");
        assert.ok(caution > 0 && caution < out.indexOf("<details"), "the warning comes before the change tables");
        assert.match(
            out,
            /User data at risk: 4 resources holding user data would be replaced or deleted, 3 of them without being retained/,
        );
        assert.match(
            out,
            /⛔ \| \*\*delete\*\* \| `docker:index\/volume:Volume` `hub-shared-0` \| Docker volume; \*\*not retained: its data is deleted\*\*/,
        );
        assert.match(out, /`hub-hub-data` \| Docker volume; retained on delete: it leaves the stack but its data stays/);
        assert.match(out, /`brick-0` \| Cinder volume; \*\*replaced because of `size`: the old one and its data are deleted\*\*/);
        assert.match(out, /`kept` \| protected resource; \*\*not retained: its data is deleted\*\* \(protected/);
        assert.ok(out.includes("| 2 | 3 | 0 | 1 |"), "counts: replace 2, delete 3, update 0, create 1");
        assert.ok(!/hub-shared-1.*CAUTION/s.test(out), "creating a volume is no risk");
    });

    it("folds the streamed create-replacement / replace / delete-replaced steps into one replacement and reports policy violations", () => {
        const ev = (o: Record<string, unknown>) => JSON.stringify({ sequence: 1, timestamp: 1, ...o });
        const meta = (op: string) => ({
            metadata: {
                op,
                urn: DATA,
                type: "docker:index/volume:Volume",
                old: { type: "docker:index/volume:Volume", inputs: { name: "data" } },
                new: { type: "docker:index/volume:Volume", inputs: { name: "data" } },
                detailedDiff: { labels: { kind: "update-replace" } },
            },
        });
        const stream = [
            ev({ preludeEvent: { config: { "jupyterhub-platform:hub.serviceTokens": "[secret]" } } }),
            ev({ resourcePreEvent: meta("create-replacement") }),
            ev({ resourcePreEvent: meta("replace") }),
            ev({ resourcePreEvent: meta("delete-replaced") }),
            ev({
                policyEvent: {
                    resourceUrn: HUB,
                    message: `Credentials are Pulumi secrets: container environment variables.\nContainer 'hub-hub': environment variable X (envs[0]) is not a Pulumi secret; saw ${SECRET}`,
                    policyName: "secrets-are-secret",
                    policyPackName: "jupyterhub-platform",
                    enforcementLevel: "mandatory",
                },
            }),
            ev({
                resourcePreEvent: {
                    metadata: {
                        op: "update",
                        urn: HUB,
                        type: "docker:index/container:Container",
                        old: { inputs: { envs: [`A=${SECRET}`] } },
                        new: {},
                        diffs: ["envs"],
                    },
                },
            }),
            ev({
                diagnosticEvent: {
                    severity: "debug",
                    message: `RegisterResource RPC finished: resp: urn,envs,,,,,4dabf18193072939515e22adb298388d,,,1b47061264138c4ac30d75fd1eb44270,value,,,,DEBUG_ONLY=only-in-debug-${SECRET},exitCode,`,
                },
            }),
            ev({ diagnosticEvent: { severity: "warning", message: `warning: saw only-in-debug-${SECRET} in the logs` } }),
            ev({ diagnosticEvent: { severity: "error", urn: HUB, message: `provider said: bad value ${SECRET}` } }),
            ev({ summaryEvent: { result: "failed", resourceChanges: {} } }),
        ].join("\n");
        const p = parsePreview(stream);
        assert.equal(p.changes.length, 2);
        assert.equal(p.changes.find((c) => c.urn === DATA)?.op, "replace");
        const out = renderComment(p, { stack: "dev" });
        assert.match(out, /❌ preview failed/);
        assert.match(out, /Policy: 1 mandatory violation, 0 advisories/);
        assert.match(
            out,
            /❌ \*\*secrets-are-secret\*\* \(mandatory\) `hub-hub`: Container 'hub-hub': environment variable X \(envs\[0\]\) is not a Pulumi secret; saw \[redacted\]/,
        );
        assert.match(out, /❌ `hub-hub`: provider said: bad value \[redacted\]/);
        assert.ok(!out.includes(SECRET));
        assert.ok(!out.includes("RegisterResource"), "debug diagnostics are not shown");
        assert.match(out, /⚠️ warning: saw \[redacted\] in the logs/, "a secret only a debug line carried is redacted from other messages");
        assert.match(out, /User data at risk: 1 resource holding user data would be replaced, 1 of them without being retained/);
    });

    it("keeps table cells intact and HTML out whatever the names contain", () => {
        const p = parsePreview(
            summary([{ op: "create", urn: URN("docker:index/network:Network", "a|b`c"), newState: {}, diffReasons: ["x|y"] }]),
        );
        const out = renderComment(p, { stack: "dev" });
        assert.match(out, /\| `a\\\|b'c` \|/);
        assert.ok(!out.includes("<script"), "");
    });

    it("says a preview failed when told its exit code, and refuses input that is not preview JSON", () => {
        assert.match(renderComment(parsePreview(summary([])), { stack: "dev", exitCode: 255 }), /❌ preview failed/);
        assert.throws(() => parsePreview("error: no stack named 'dev' found"), /not `pulumi preview --json` output/);
    });

    it("redacts longest values first and parses URNs with parent types", () => {
        assert.equal(redact("token abcdef123456 and abcdef", new Set(["abcdef", "abcdef123456"])), "token [redacted] and [redacted]");
        assert.deepEqual(urnParts(HUB), { type: "docker:index/container:Container", name: "hub-hub" });
    });
});
