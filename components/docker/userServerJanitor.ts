/**
 * DockerSpawner starts user containers (and Docker creates their home volumes) at spawn time,
 * outside Pulumi's state. On `pulumi destroy` those containers would still be attached to the
 * stack's network, and removing the network would fail. This resource owns nothing at create
 * time; its delete step removes the stack's user containers (found by label) before the network
 * goes, and removes the per-user home volumes only when the operator opted out of keeping data
 * (data.retainOnDestroy=false).
 *
 * It is a dynamic resource so the delete step runs during a plain `pulumi destroy` (resource
 * hooks would need `--run-program`). It shells out to the `docker` CLI with DOCKER_HOST set to
 * the engine the stack uses, so it works for the local socket and for ssh:// engines alike.
 */
import * as pulumi from "@pulumi/pulumi";

export interface JanitorInputs {
    /** DOCKER_HOST of the engine, e.g. unix:///var/run/docker.sock or ssh://user@vm. */
    dockerHost: string;
    /** `key=value` label that marks the stack's user containers. */
    containerLabel: string;
    /** Prefix of the stack's per-user home volumes. */
    userVolumePrefix: string;
    /** Remove the home volumes too (only when data.retainOnDestroy is false). */
    removeVolumes: boolean;
}

export interface UserServerJanitorArgs {
    dockerHost: pulumi.Input<string>;
    containerLabel: pulumi.Input<string>;
    userVolumePrefix: pulumi.Input<string>;
    removeVolumes: pulumi.Input<boolean>;
}

/** The docker CLI invocations the delete step makes; pure so tests can check them. */
export function janitorPlan(inputs: JanitorInputs, containerIds: string[], volumeNames: string[]): string[][] {
    const steps: string[][] = [];
    if (containerIds.length > 0) {
        // rm -f without -v: named home volumes are never removed by container removal.
        steps.push(["rm", "-f", ...containerIds]);
    }
    if (inputs.removeVolumes) {
        const homes = volumeNames.filter((v) => v.startsWith(inputs.userVolumePrefix)).sort();
        if (homes.length > 0) {
            steps.push(["volume", "rm", ...homes]);
        }
    }
    return steps;
}

// The provider object is serialized into the state by Pulumi's function serializer, so it only
// uses what it requires itself and the exported janitorPlan captured as a plain function.
const janitorProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: JanitorInputs) {
        return { id: `janitor-${inputs.containerLabel}`, outs: inputs };
    },
    async diff(_id: string, olds: JanitorInputs, news: JanitorInputs) {
        const changed = (Object.keys(news) as (keyof JanitorInputs)[]).filter((k) => olds[k] !== news[k]);
        // Only state changes: an update never touches containers.
        return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
    },
    async update(_id: string, _olds: JanitorInputs, news: JanitorInputs) {
        return { outs: news };
    },
    async delete(_id: string, props: JanitorInputs) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { execFileSync } = require("child_process") as typeof import("child_process");
        const env = { ...process.env, DOCKER_HOST: props.dockerHost };
        const docker = (args: string[]): string => execFileSync("docker", args, { env, encoding: "utf8", timeout: 120_000 });
        const ids = docker(["ps", "-aq", "--filter", `label=${props.containerLabel}`])
            .split(/\s+/)
            .filter(Boolean);
        const volumes = props.removeVolumes
            ? docker(["volume", "ls", "-q", "--filter", `name=${props.userVolumePrefix}`])
                  .split(/\s+/)
                  .filter(Boolean)
            : [];
        for (const step of janitorPlan(props, ids, volumes)) {
            docker(step);
        }
    },
};

export class UserServerJanitor extends pulumi.dynamic.Resource {
    constructor(name: string, args: UserServerJanitorArgs, opts?: pulumi.CustomResourceOptions) {
        super(janitorProvider, name, args, opts, "jupyterhub-platform", "UserServerJanitor");
    }
}
