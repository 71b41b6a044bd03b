/**
 * The floor of `npm run bench`'s no-op `pulumi up`: the same engine, language runtime options and
 * providers as this project, with a program that holds almost nothing.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { PROJECT_DIR, docker, run, tail } from "../test/e2e/common/lib";

async function must(what: string, p: Promise<{ code: number; stdout: string; stderr: string; seconds: number }>): Promise<number> {
    const r = await p;
    if (r.code !== 0) throw new Error(`${what} failed: ${tail(r.stdout + r.stderr)}`);
    return r.seconds;
}

/**
 * No-op `pulumi up` floor: an empty program in a temp dir with the project's runtime options
 * (and its Pulumi tsconfig, when one is set) using the same providers: a docker provider, a random
 * resource and a dynamic-provider resource. Returns the no-op up seconds of each sample.
 */
export async function emptyProgramNoop(samples: number): Promise<number[]> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jhp-bench-empty-"));
    fs.mkdirSync(path.join(dir, "state"));
    const stack = "bench-empty";
    const env = { PULUMI_BACKEND_URL: `file://${dir}/state`, PULUMI_CONFIG_PASSPHRASE: "bench", PULUMI_SKIP_UPDATE_CHECK: "true" };
    try {
        const project = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as {
            runtime: { name: string; options?: Record<string, unknown> };
        };
        const options = project.runtime.options ?? {};
        fs.writeFileSync(
            path.join(dir, "Pulumi.yaml"),
            JSON.stringify({ name: "bench-empty", runtime: { name: project.runtime.name, options } }),
        );
        fs.writeFileSync(
            path.join(dir, "package.json"),
            JSON.stringify({ name: "bench-empty", main: "index.ts", devDependencies: { typescript: "*" } }),
        );
        fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
        const tsconfigName = typeof options.tsconfig === "string" ? options.tsconfig : "tsconfig.json";
        const projectTsconfig = path.join(PROJECT_DIR, tsconfigName);
        const own = (JSON.parse(fs.readFileSync(projectTsconfig, "utf8")) as { compilerOptions?: object }).compilerOptions ?? {};
        fs.writeFileSync(
            path.join(dir, tsconfigName),
            JSON.stringify({ extends: projectTsconfig, compilerOptions: own, include: ["index.ts"] }),
        );
        fs.writeFileSync(
            path.join(dir, "index.ts"),
            [
                'import * as pulumi from "@pulumi/pulumi";',
                'import * as docker from "@pulumi/docker";',
                'import * as random from "@pulumi/random";',
                'const provider = new docker.Provider("engine", {});',
                'export const network = new docker.Network("empty", { name: "jhp-bench-empty" }, { provider }).name;',
                'export const id = new random.RandomId("empty", { byteLength: 4 }).hex;',
                'const dyn: pulumi.dynamic.ResourceProvider = { async create() { return { id: "empty", outs: {} }; } };',
                "class Empty extends pulumi.dynamic.Resource {",
                "    constructor(name: string) { super(dyn, name, {}, {}); }",
                "}",
                'new Empty("empty");',
                "",
            ].join("\n"),
        );
        const opts = { timeoutMs: 10 * 60_000, env };
        const inDir = (args: string[]) => run("pulumi", [...args, "--cwd", dir, "--non-interactive"], opts);
        await must("empty: stack init", inDir(["stack", "init", stack]));
        await must("empty: first up", inDir(["up", "--yes", "--skip-preview", "--stack", stack]));
        const out: number[] = [];
        for (let i = 0; i < samples; i++)
            out.push(await must("empty: no-op up", inDir(["up", "--yes", "--skip-preview", "--stack", stack])));
        await must("empty: destroy", inDir(["destroy", "--yes", "--skip-preview", "--stack", stack]));
        return out;
    } finally {
        docker(["network", "rm", "jhp-bench-empty"]);
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
