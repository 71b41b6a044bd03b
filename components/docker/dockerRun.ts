/**
 * A one-shot container: `docker run --rm ...` once per distinct set of inputs, as a step of
 * `pulumi up` that fails it with the container's own output when the container exits non-zero.
 * Used to fill a shared volume from an image (once per image digest), to check that a hub image
 * has the packages its config needs, and to hand a new work volume to the notebook user.
 *
 * A dynamic resource rather than a docker.Container with `attach`: a container that exited
 * non-zero would still be recorded as created, and the next `up` would not run it again; here a
 * failed run is not recorded, so the next `up` retries it. It shells out to the `docker` CLI with
 * DOCKER_HOST set to the stack's engine (as UserServerJanitor does), so it works for the local
 * socket and for ssh:// engines alike. Nothing happens on delete: what the run wrote (a volume's
 * content) belongs to the volume.
 */
import * as pulumi from "@pulumi/pulumi";

export interface DockerRunInputs {
    /** DOCKER_HOST of the engine. */
    dockerHost: string;
    /** Arguments after `docker run --rm`: options, the image, the command. */
    args: string[];
    /** Written to the container's standard input (adds `-i`). */
    stdin?: string;
    /** What the run is for: the error names it. */
    purpose: string;
    timeoutSeconds: number;
}

export interface DockerRunArgs {
    dockerHost: pulumi.Input<string>;
    args: pulumi.Input<pulumi.Input<string>[]>;
    stdin?: pulumi.Input<string>;
    purpose: pulumi.Input<string>;
    timeoutSeconds: pulumi.Input<number>;
}

/** The docker CLI invocation; pure so tests can check it. */
export function dockerRunCommand(inputs: Pick<DockerRunInputs, "args" | "stdin">): string[] {
    return ["run", "--rm", ...(inputs.stdin !== undefined ? ["-i"] : []), ...inputs.args];
}

/** The end of a failed run's output for the error message: the container's last lines say why. */
export function failureMessage(purpose: string, status: number | null, output: string, signal?: string | null): string {
    const lines = output.trim().split("\n").filter(Boolean);
    const last = lines.slice(-15).join("\n");
    const how = signal ? `was stopped by ${signal} (timeout?)` : `exited ${status}`;
    return `${purpose}: the container ${how}${last ? `:\n${last}` : " without output"}`;
}

// Serialized into the state by Pulumi's function serializer: it uses only what it requires itself
// and the exported pure functions above, captured as plain functions.
const dockerRunProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: DockerRunInputs) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { spawnSync } = require("child_process") as typeof import("child_process");
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { createHash } = require("crypto") as typeof import("crypto");
        const r = spawnSync("docker", dockerRunCommand(inputs), {
            env: { ...process.env, DOCKER_HOST: inputs.dockerHost },
            input: inputs.stdin ?? "",
            encoding: "utf8",
            timeout: inputs.timeoutSeconds * 1000,
            maxBuffer: 64 * 1024 * 1024,
        });
        const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
        if (r.error && !r.signal) {
            throw new Error(`${inputs.purpose}: cannot run docker: ${String(r.error)}`);
        }
        if (r.status !== 0) {
            throw new Error(failureMessage(inputs.purpose, r.status, output, r.signal));
        }
        const id = createHash("sha256")
            .update(JSON.stringify([inputs.args, inputs.stdin ?? ""]))
            .digest("hex")
            .slice(0, 16);
        // The last lines of a successful run stay in the state: what it did (e.g. what was copied).
        return { id: `docker-run-${id}`, outs: { ...inputs, output: output.trim().split("\n").slice(-5).join("\n") } };
    },
    async diff(_id: string, olds: DockerRunInputs, news: DockerRunInputs) {
        const rerun = JSON.stringify([olds.args, olds.stdin]) !== JSON.stringify([news.args, news.stdin]);
        const changed =
            rerun || olds.dockerHost !== news.dockerHost || olds.purpose !== news.purpose || olds.timeoutSeconds !== news.timeoutSeconds;
        // New arguments are a new run (a replacement runs create again); the rest is bookkeeping.
        return { changes: changed, replaces: rerun ? ["args"] : [], deleteBeforeReplace: false };
    },
    async update(_id: string, olds: DockerRunInputs & { output?: string }, news: DockerRunInputs) {
        return { outs: { ...news, output: olds.output ?? "" } };
    },
    async delete() {
        // What the run wrote belongs to the volume it wrote to.
    },
};

export class DockerRun extends pulumi.dynamic.Resource {
    /** The last lines the container printed. */
    declare readonly output: pulumi.Output<string>;

    constructor(name: string, args: DockerRunArgs, opts?: pulumi.CustomResourceOptions) {
        super(dockerRunProvider, name, { ...args, output: undefined }, opts, "jupyterhub-platform", "DockerRun");
    }
}
