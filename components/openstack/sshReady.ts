/**
 * Waits, during `pulumi up`, until a new VM answers over SSH and cloud-init has finished
 * (`cloud-init status --wait`), so the Docker provider over ssh:// finds Docker installed and the
 * volumes mounted. It runs the machine's `ssh` client, like the Docker provider does, so it needs
 * the same thing: the private key of openstack.sshPublicKey in ssh-agent or ~/.ssh/config.
 *
 * A Pulumi dynamic provider: its code is serialized into the state, so everything it uses is
 * required inside the functions.
 */
import * as pulumi from "@pulumi/pulumi";

export interface SshTarget {
    user: string;
    host: string;
    /** Unset: ssh's default (22, or ~/.ssh/config). */
    port?: number;
}

/** ssh arguments shared with the Docker provider's sshOpts. */
export const SSH_OPTIONS: readonly string[] = [
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=10",
    "-o",
    "StrictHostKeyChecking=accept-new",
    "-o",
    "ServerAliveInterval=30",
];

/** argv of the readiness probe (pure). */
export function sshProbeArgs(t: SshTarget): string[] {
    return [
        ...SSH_OPTIONS,
        ...(t.port === undefined ? [] : ["-p", String(t.port)]),
        `${t.user}@${t.host}`,
        "cloud-init status --wait >/dev/null; rc=$?; [ $rc -eq 0 ] || [ $rc -eq 2 ] || exit 1; docker info >/dev/null",
    ];
}

interface SshReadyInputs {
    user: string;
    host: string;
    port?: number;
    timeoutSeconds: number;
    instanceId: string;
}

async function waitForSsh(inputs: SshReadyInputs): Promise<number> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cp = require("child_process") as typeof import("child_process");
    const args = sshProbeArgs(inputs);
    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    let attempts = 0;
    let last = "";
    while (Date.now() < deadline) {
        attempts++;
        const r = cp.spawnSync("ssh", args, { encoding: "utf8", timeout: Math.max(1000, deadline - Date.now()) });
        if (r.status === 0) {
            return attempts;
        }
        last = `exit ${r.status}: ${(r.stderr || "").trim().slice(-300)}`;
        if (r.status === 1) {
            throw new Error(`cloud-init failed on ${inputs.host} (see /var/log/cloud-init-output.log): ${last}`);
        }
        await new Promise((res) => setTimeout(res, 10000));
    }
    throw new Error(`${inputs.user}@${inputs.host} not ready after ${inputs.timeoutSeconds}s: ${last}`);
}

const sshReadyProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: SshReadyInputs) {
        const attempts = await waitForSsh(inputs);
        const port = inputs.port === undefined ? "" : `:${inputs.port}`;
        return { id: `${inputs.user}@${inputs.host}${port}`, outs: { ...inputs, attempts } };
    },
    async diff(_id: string, olds: SshReadyInputs, news: SshReadyInputs) {
        const changed =
            olds.host !== news.host || olds.user !== news.user || olds.port !== news.port || olds.instanceId !== news.instanceId;
        return { changes: changed, replaces: changed ? ["instanceId"] : [] };
    },
};

export interface SshReadyArgs {
    user: pulumi.Input<string>;
    host: pulumi.Input<string>;
    port?: pulumi.Input<number>;
    timeoutSeconds: pulumi.Input<number>;
    /** Changes whenever the instance is replaced, so the wait runs again. */
    instanceId: pulumi.Input<string>;
}

export class SshReady extends pulumi.dynamic.Resource {
    declare readonly host: pulumi.Output<string>;

    constructor(name: string, args: SshReadyArgs, opts?: pulumi.CustomResourceOptions) {
        super(sshReadyProvider, name, { ...args, attempts: undefined }, opts);
    }
}
