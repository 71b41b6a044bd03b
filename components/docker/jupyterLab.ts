/**
 * One JupyterLab container for one person (the `lab` topology): `docker run -p
 * 127.0.0.1:8888:8888 -v $HOME/work:/home/jovyan/work` with token login, as a component. The
 * token is a RandomPassword (or lab.token); the work directory is a host directory or a named
 * volume that outlives the stack (retainOnDelete). Every argument comes from ./labContainer.ts.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { LabConfig } from "../../config/types";
import { DockerRun } from "./dockerRun";
import { labContainerSpec, labUrl, labWorkOwnerRun, labWorkSource, labWorkVolumeSpec } from "./labContainer";

/** Length of the generated token (alphanumeric). */
const TOKEN_LENGTH = 48;

export interface JupyterLabArgs {
    config: LabConfig;
    /** The engine the container runs on. */
    provider: docker.Provider;
    /** DOCKER_HOST of that engine (for the one-shot run that hands a new work volume to the user). */
    dockerHost: pulumi.Input<string>;
    /** Digest-pinned image reference (built, or resolved from lab.image). */
    image: pulumi.Input<string>;
}

export class JupyterLab extends pulumi.ComponentResource {
    readonly url: pulumi.Output<string>;
    /** Secret. */
    readonly token: pulumi.Output<string>;
    readonly containerName: pulumi.Output<string>;
    /** The host directory or the volume name holding the work directory. */
    readonly work: pulumi.Output<string>;

    constructor(name: string, args: JupyterLabArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:docker:JupyterLab", name, {}, opts);
        const { config, provider } = args;
        const child = { parent: this, provider };

        const token = config.lab.token
            ? pulumi.secret(config.lab.token)
            : pulumi.secret(new random.RandomPassword(`${name}-token`, { length: TOKEN_LENGTH, special: false }, { parent: this }).result);
        const source = labWorkSource(config);
        // The person's files: kept by `pulumi destroy` unless the operator opted out. A host
        // directory is never Pulumi's to delete.
        const volume =
            source.type === "volume"
                ? new docker.Volume(`${name}-work`, labWorkVolumeSpec(config), { ...child, retainOnDelete: config.retainOnDestroy })
                : undefined;
        // Docker creates a volume's root owned by root unless the image has the mount point: hand
        // it to the notebook user, who runs the server.
        const owner = volume
            ? new DockerRun(`${name}-work-owner`, labWorkOwnerRun(config, args.dockerHost, args.image, volume.name), {
                  parent: this,
                  dependsOn: [volume],
              })
            : undefined;
        const container = new docker.Container(
            `${name}-server`,
            labContainerSpec(config, { image: args.image, token, workVolume: volume?.name }),
            // A fixed container name: the old container must go before its replacement starts. The
            // provider "updates" a changed mount in place without touching the container, so a new
            // work directory must replace it.
            { ...child, deleteBeforeReplace: true, replaceOnChanges: ["mounts"], dependsOn: owner ? [owner] : [] },
        );

        this.url = pulumi.output(labUrl(config));
        this.token = token;
        this.containerName = container.name;
        this.work = volume ? volume.name : pulumi.output(source.source);
        this.registerOutputs({ url: this.url, token: this.token, containerName: this.containerName, work: this.work });
    }
}
