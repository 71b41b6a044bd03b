/**
 * The `lab` topology's Docker objects as pure functions of the config: names, the work volume and
 * the JupyterLab container (docker-stacks' `start-notebook.py`, token login, the work directory as
 * JupyterLab's root, limits, published on 127.0.0.1 only). JupyterLab only wires them.
 */
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { LabConfig } from "../../config/types";
import { SINGLEUSER_OWNER } from "../hub/contract";
import type { DockerRunArgs } from "./dockerRun";
import { cleanName } from "../shared/names";
import { labelList, stackLabels } from "./render";

/** JupyterLab's port inside the container (docker-stacks' default). */
export const LAB_PORT = 8888;
/** Loopback only: the token is the only protection, and it travels over plain HTTP. */
export const LAB_BIND_ADDRESS = "127.0.0.1";
/** Seconds `pulumi up` waits for JupyterLab to answer. */
export const LAB_WAIT_SECONDS = 120;

export interface LabNames {
    container: string;
    /** The work volume, when the work directory is not a host directory. */
    workVolume: string;
}

export function labNames(config: LabConfig): LabNames {
    const base = `jupyterlab-${cleanName(config.stack, "default")}`;
    return { container: base, workVolume: config.lab.workVolume ?? `${base}-work` };
}

/** Where the work directory comes from: a host directory (bind mount) or a named volume. */
export function labWorkSource(config: LabConfig): { type: "bind" | "volume"; source: string } {
    return config.lab.workDir !== undefined
        ? { type: "bind", source: config.lab.workDir }
        : { type: "volume", source: labNames(config).workVolume };
}

export function labWorkVolumeSpec(config: LabConfig): docker.VolumeArgs {
    return { name: labNames(config).workVolume, labels: labelList(stackLabels(config, "lab-work")) };
}

/** The URL the operator opens (the token is given separately: it is a secret). */
export function labUrl(config: LabConfig): string {
    return `http://${LAB_BIND_ADDRESS}:${config.lab.port}/lab`;
}

/**
 * A CPU amount as the docker provider writes it back into the state (its nanoInt64ToDecimalString):
 * "1.0" for one core, "0.5", "1.5", "0.25"; any other spelling would show a diff, and so a
 * replacement, on every `up`.
 */
export function dockerCpus(cores: number): string {
    const nano = Math.round(cores * 1e9);
    const whole = Math.floor(nano / 1e9);
    const fraction = String(nano % 1e9).padStart(9, "0");
    const nine = `${whole}.${fraction}`;
    const exact = nine.replace(/0+$/, "");
    const provider = (nine.match(/0/g) ?? []).length === 9 ? `${whole}.${fraction.slice(0, 1)}` : exact;
    // Its shortcut turns e.g. 0.001 into "0.0" (no limit at all): keep the exact value then.
    return Number(provider) === nano / 1e9 ? provider : exact;
}

/** Docker's memory limit is in MiB. */
export function memoryMiB(bytes: number): number {
    return Math.max(1, Math.floor(bytes / 2 ** 20));
}

/**
 * Arguments of docker-stacks' start-notebook.py (passed on to `jupyter lab`). The listen address
 * (0.0.0.0) and no browser are the image's own settings, and repeating one on the command line
 * is an error for jupyter_server.
 */
export function labCommand(config: LabConfig): string[] {
    return ["start-notebook.py", `--ServerApp.root_dir=${config.lab.mountPath}`, `--ServerApp.port=${LAB_PORT}`];
}

export interface LabContainerInputs {
    /** Digest-pinned image reference. */
    image: pulumi.Input<string>;
    /** Secret. */
    token: pulumi.Output<string>;
    /** The work volume's name as created (an Output, so the container waits for the volume). */
    workVolume?: pulumi.Input<string>;
}

export function labContainerSpec(config: LabConfig, p: LabContainerInputs): docker.ContainerArgs {
    const work = labWorkSource(config);
    const memory = memoryMiB(config.lab.memLimitBytes);
    return {
        name: labNames(config).container,
        image: p.image,
        command: labCommand(config),
        // jupyter_server reads its token from JUPYTER_TOKEN; the environment is the only place it appears.
        envs: pulumi.secret(p.token.apply((token) => [`JUPYTER_TOKEN=${token}`])),
        ports: [{ internal: LAB_PORT, external: config.lab.port, ip: LAB_BIND_ADDRESS, protocol: "tcp" }],
        mounts: [
            work.type === "bind"
                ? { type: "bind", source: work.source, target: config.lab.mountPath }
                : { type: "volume", source: p.workVolume ?? work.source, target: config.lab.mountPath },
        ],
        memory,
        // No swap beyond the limit: the limit is what the notebook gets.
        memorySwap: memory,
        cpus: dockerCpus(config.lab.cpuLimit),
        restart: "unless-stopped",
        labels: labelList(stackLabels(config, "lab")),
        healthcheck: {
            // /api answers without a token; it is up once the server listens.
            tests: ["CMD", "python3", "-c", `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${LAB_PORT}/api', timeout=4)`],
            interval: "2s",
            timeout: "5s",
            startPeriod: "3s",
            retries: 50,
        },
        wait: true,
        waitTimeout: LAB_WAIT_SECONDS,
    };
}

/** The one-shot run that makes the work volume's root the notebook user's (not recursive: existing files keep theirs). */
export function labWorkOwnerRun(
    config: LabConfig,
    dockerHost: pulumi.Input<string>,
    image: pulumi.Input<string>,
    volume: pulumi.Input<string>,
): DockerRunArgs {
    const target = "/jhp-work";
    return {
        dockerHost,
        args: pulumi
            .all([image, volume])
            .apply(([img, vol]) => [
                "--network",
                "none",
                "--user",
                "0:0",
                "-v",
                `${vol}:${target}`,
                "--entrypoint",
                "chown",
                img,
                SINGLEUSER_OWNER,
                target,
            ]),
        purpose: `make the work volume of ${labNames(config).container} writable by the notebook user (${SINGLEUSER_OWNER})`,
        timeoutSeconds: 120,
    };
}
