/**
 * Golden files: each example stack (Pulumi.<stack>.yaml) deployed under mocks, snapshotted
 * resource by resource (URN, options, inputs), with every rendered artifact (user-data, the hub
 * config document, Kubernetes objects) in a file of its own under golden/<stack>/. A change to
 * anything the program renders or registers shows up here as a reviewable diff.
 *
 *   UPDATE_GOLDEN=1 npx mocha test/unit/topologies/golden.test.ts    # rewrite after a deliberate change
 */
import { strict as assert } from "assert";
import * as childProcess from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "../../../config/parse";
import type { PlatformConfig } from "../../../config/types";
import { settle } from "../harness";
import { setupMocks } from "../fixtures/platformMocks";
import { recordRegistrations, snapshotOf } from "./stackSnapshot";

const ROOT = path.resolve(__dirname, "../../..");
const GOLDEN = path.join(__dirname, "golden");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** Secrets of the example stacks: their plaintext placeholders, treated as set with --secret. */
const EXAMPLE_SECRETS: Record<string, string[]> = {
    local: [],
    "local-dask": [],
    dev: ["hub.auth.oauth.clientSecret"],
    prod: ["images.registry.password"],
    lab: [],
};

function exampleConfig(stack: string): PlatformConfig {
    const doc = parseYaml(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(doc.config)) {
        values[k.replace(/^jupyterhub-platform:/, "")] = typeof v === "string" ? v : JSON.stringify(v);
    }
    const result = parseConfig(
        { values, secretKeys: new Set(EXAMPLE_SECRETS[stack]) },
        { project: "jupyterhub-platform", stack, makeSecret: (_k, v) => pulumi.secret(v), projectDir: ROOT, env: {} },
    );
    if (!result.ok) {
        throw new Error(`example stack ${stack} invalid:\n${result.problems.join("\n")}`);
    }
    return result.config;
}

/**
 * Image tags and labels carry the build date and hashes of the build context, and build contexts
 * are absolute paths: all change with unrelated commits or another checkout, so the snapshot shows
 * their shape, not their value.
 */
function normalizeText(s: string): string {
    return s
        .split(ROOT)
        .join("<repo>")
        .replace(/("(?:org\.jupyterhub-platform\.content-hash|contentHash)":\s*")[0-9a-f]{64}"/g, '$1<sha256>"')
        .replace(/:(\d{4}-?\d{2}-?\d{2}-)?[0-9a-f]{12}\b/g, (_m, date: string | undefined) => `:${date ? "<date>-" : ""}<context-hash>`);
}

/** The local topology stats the Docker socket for its group; answer as a host with docker group 998. */
function withDockerSocketGid<T>(fn: () => T): T {
    // The module object itself (an `import *` namespace is read-only); importers read through it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require("fs") as { statSync: typeof fs.statSync };
    const real = mod.statSync;
    mod.statSync = ((p: fs.PathLike, o?: fs.StatSyncOptions) =>
        p === "/var/run/docker.sock" ? ({ gid: 998 } as fs.Stats) : real(p, o)) as typeof fs.statSync;
    try {
        return fn();
    } finally {
        mod.statSync = real;
    }
}

async function snapshot(stack: string) {
    const config = exampleConfig(stack);
    const mocks = await setupMocks();
    const registrations = recordRegistrations();
    const { deployTopology } = await import("../../../topologies");
    withDockerSocketGid(() => deployTopology(config));
    await settle(mocks);
    const inputs = new Map<string, unknown>();
    for (const r of mocks.resources) {
        const key = `${r.type}::${r.name}`;
        assert.ok(!inputs.has(key), `two resources ${key}: the snapshot keys on type and name`);
        inputs.set(key, r.inputs);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require("@pulumi/pulumi/runtime/settings") as {
        getMonitor(): { getRegisteredResources(): Map<string, { urn: string; state: unknown }> };
    };
    return snapshotOf(settings.getMonitor().getRegisteredResources(), registrations, inputs, normalizeText);
}

/** `diff -u` of a golden file against the rendered text, cut to a readable length. */
function unifiedDiff(expectedFile: string, actual: string): string {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "golden-"));
    const actualFile = path.join(tmp, path.basename(expectedFile));
    fs.writeFileSync(actualFile, actual);
    const out = childProcess.spawnSync("diff", ["-u", expectedFile, actualFile], { encoding: "utf8" }).stdout;
    fs.rmSync(tmp, { recursive: true, force: true });
    const lines = out.split("\n").map((l) => (l.length > 240 ? `${l.slice(0, 240)}…` : l));
    return lines.slice(0, 150).join("\n") + (lines.length > 150 ? `\n… ${lines.length - 150} more lines` : "");
}

function listFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name]))
        .sort();
}

describe("golden files of the example stacks", function () {
    // Whole stacks under mocks: slow on a loaded machine, and a timeout must never write a partial snapshot.
    this.timeout(120_000);
    for (const stack of Object.keys(EXAMPLE_SECRETS)) {
        it(`${stack}: every resource, option and rendered artifact matches golden/${stack}/`, async () => {
            const { entries, artifacts } = await snapshot(stack);
            const files = new Map<string, string>([["resources.json", JSON.stringify(entries, null, 2) + "\n"]]);
            for (const a of artifacts) {
                assert.ok(!files.has(a.file), `two artifacts named ${a.file}`);
                files.set(a.file, a.content);
            }
            const dir = path.join(GOLDEN, stack);
            if (UPDATE) {
                fs.rmSync(dir, { recursive: true, force: true });
                for (const [file, content] of files) {
                    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
                    fs.writeFileSync(path.join(dir, file), content);
                }
                return;
            }
            assert.deepEqual(listFiles(dir), [...files.keys()].sort(), `golden/${stack}: file list differs (UPDATE_GOLDEN=1 to rewrite)`);
            for (const [file, content] of files) {
                const expected = path.join(dir, file);
                if (content !== fs.readFileSync(expected, "utf8")) {
                    assert.fail(`golden/${stack}/${file} differs (UPDATE_GOLDEN=1 to rewrite):\n${unifiedDiff(expected, content)}`);
                }
            }
        });
    }
});
