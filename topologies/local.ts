/**
 * The `local` topology: the Docker engine on this machine. Builds the images on it and runs the
 * hub, proxy and user servers there, published on 127.0.0.1 only.
 */
import * as fs from "fs";
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ImagesConfig, LocalConfig } from "../config/types";
import { DaskCluster } from "../components/docker/daskCluster";
import { DockerHub } from "../components/docker/dockerHub";
import { registryAuthAddress } from "../components/images/buildContext";
import { ImageResolver } from "../components/images/imageResolver";
import { PlatformImages } from "../components/images/platformImages";

/** The engine's default socket, used when DOCKER_HOST is unset. */
export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/**
 * The socket of this machine's engine: DOCKER_HOST when it names a unix socket (as the docker CLI
 * reads it; e.g. the fault test's private dockerd, whose restart must not touch the shared
 * engine), else the default. The local topology mounts that socket into the hub, so it must be a
 * socket on this machine: another scheme (tcp://, ssh://) is refused, not silently ignored.
 */
export function localDockerSocket(env: NodeJS.ProcessEnv = process.env): string {
    const host = env.DOCKER_HOST?.trim();
    if (!host) {
        return DEFAULT_DOCKER_SOCKET;
    }
    const m = /^unix:\/\/(\/.+)$/.exec(host);
    if (!m) {
        throw new Error(
            `local topology: DOCKER_HOST=${host} is not a unix socket on this machine (unix:///path); the hub mounts the engine's socket, so unset DOCKER_HOST or name a local socket`,
        );
    }
    return m[1];
}

/** Group owning the local Docker socket: the non-root hub joins it to drive DockerSpawner. */
function socketGid(socket: string): number {
    try {
        return fs.statSync(socket).gid;
    } catch (err) {
        throw new Error(
            `local topology: cannot stat the Docker socket ${socket} (is dockerd running? npm run up starts it): ${String(err)}`,
        );
    }
}

/** DOCKER_HOST of this machine's engine (localDockerSocket()). */
export function localDockerHost(env: NodeJS.ProcessEnv = process.env): string {
    return `unix://${localDockerSocket(env)}`;
}

/** The Docker engine on this machine (local and lab topologies). */
export function localDockerProvider(name: string, images: ImagesConfig): docker.Provider {
    const registry = images.registry;
    return new docker.Provider(name, {
        host: localDockerHost(),
        // Pushing built images (images.registry) and resolving tags in it authenticate through the provider.
        registryAuth: registry
            ? [{ address: registryAuthAddress(registry.server), username: registry.username, password: registry.password }]
            : undefined,
    });
}

export function deployLocal(config: LocalConfig): Record<string, pulumi.Output<unknown>> {
    const socket = localDockerSocket();
    const dockerHost = `unix://${socket}`;
    const provider = localDockerProvider("local-docker", config.images);
    const resolver = new ImageResolver(provider, "engine");
    const images = new PlatformImages("images", { config, imagesDir: path.resolve(__dirname, "..", "images"), resolver }, { provider });
    const hub = new DockerHub("hub", {
        config,
        provider,
        dockerHost,
        dockerSocketGid: socketGid(socket),
        dockerSocketPath: socket,
        hubImage: images.hubRef,
        proxyImage: images.proxyRef,
        singleuserImage: images.singleuserRef,
        hubLogoFile: images.hubLogoFile,
        resolver,
    });
    // Dask beside the hub: a scheduler and workers on the hub's network, from the single-user image.
    const dask = config.dask.enabled
        ? new DaskCluster("dask", { config, provider, image: images.singleuserRef, network: hub.networkName })
        : undefined;
    return {
        url: hub.url,
        loginUser: hub.loginUser,
        loginPassword: hub.loginPassword,
        networkName: hub.networkName,
        hubContainer: hub.hubContainerName,
        proxyContainer: hub.proxyContainerName,
        hubDataVolume: hub.hubDataVolume,
        hubImage: images.hubRef,
        proxyImage: images.proxyRef,
        singleuserImage: images.singleuserRef,
        dockerHost: pulumi.output(dockerHost),
        ...(hub.backupContainerName ? { backupContainer: hub.backupContainerName } : {}),
        ...(dask ? { daskSchedulerAddress: dask.schedulerAddress, daskWorkers: dask.workerContainerNames } : {}),
        resolvedImages: resolver.output(),
    };
}
