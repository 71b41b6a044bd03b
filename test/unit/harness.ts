/**
 * Shared Pulumi mock for unit tests: records every registered resource with its inputs and
 * options-derived fields, answers the invokes a test declares, and fails on any other invoke.
 */
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    id: string;
}

export type InvokeHandler = (inputs: Record<string, unknown>) => Record<string, unknown>;

export class RecordingMocks implements pulumi.runtime.Mocks {
    readonly resources: RecordedResource[] = [];
    readonly invokeCalls: string[] = [];

    constructor(private readonly invokes: Record<string, InvokeHandler> = {}) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const id = `${args.name}-id`;
        this.resources.push({ type: args.type, name: args.name, inputs: args.inputs, id });
        return { id, state: { ...args.inputs, ...outputsFor(args) } };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        this.invokeCalls.push(args.token);
        const handler = this.invokes[args.token];
        if (!handler) {
            throw new Error(`unmocked invoke ${args.token}: declare it in the test's RecordingMocks`);
        }
        return handler(args.inputs);
    }

    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    byName(name: string): RecordedResource {
        const found = this.resources.find((r) => r.name === name);
        if (!found) {
            throw new Error(`no resource named ${name}; have: ${this.resources.map((r) => r.name).join(", ")}`);
        }
        return found;
    }
}

/** Computed outputs a few providers fill in that components read back. */
function outputsFor(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    switch (args.type) {
        case "random:index/randomPassword:RandomPassword":
            return { result: `mock-password-${args.name}` };
        case "docker:index/remoteImage:RemoteImage":
            return { imageId: `sha256:${"1".repeat(64)}` };
        case "docker:index/registryImage:RegistryImage":
            return { sha256Digest: `sha256:${"2".repeat(64)}` };
        default:
            return {};
    }
}

/** Resolve an Output in a test (mocks resolve synchronously-ish, secrets included). */
export function valueOf<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Whether an Output is marked secret. */
export function isSecret<T>(output: pulumi.Output<T>): Promise<boolean> {
    return pulumi.isSecret(output);
}

/**
 * Install mocks and stack config for one test. `config` keys are without the project prefix;
 * values are strings as the engine hands them over (arrays as JSON). `secretKeys` lists keys
 * that were set with --secret.
 */
export async function setup(
    config: Record<string, string>,
    opts: { secretKeys?: string[]; invokes?: Record<string, InvokeHandler>; stack?: string; preview?: boolean } = {},
): Promise<RecordingMocks> {
    const mocks = new RecordingMocks(opts.invokes);
    await pulumi.runtime.setMocks(mocks, "jupyterhub-platform", opts.stack ?? "unit", opts.preview ?? false);
    const namespaced: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) {
        namespaced[k.includes(":") ? k : `jupyterhub-platform:${k}`] = v;
    }
    const secrets = (opts.secretKeys ?? []).map((k) => (k.includes(":") ? k : `jupyterhub-platform:${k}`));
    pulumi.runtime.setAllConfig(namespaced, secrets);
    return mocks;
}

/** Wait until no new resource registrations arrive for a few event-loop turns. */
export async function settle(mocks: RecordingMocks): Promise<void> {
    let last = -1;
    let quiet = 0;
    while (quiet < 5) {
        await new Promise((r) => setTimeout(r, 5));
        if (mocks.resources.length === last) {
            quiet++;
        } else {
            quiet = 0;
            last = mocks.resources.length;
        }
    }
}
