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

export const LOCAL_DOCKER_SOCKET = "/var/run/docker.sock";

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

export const LOCAL_DOCKER_HOST = `unix://${LOCAL_DOCKER_SOCKET}`;

/** The Docker engine on this machine (local and lab topologies). */
export function localDockerProvider(name: string, images: ImagesConfig): docker.Provider {
    const registry = images.registry;
    return new docker.Provider(name, {
        host: LOCAL_DOCKER_HOST,
        // Pushing built images (images.registry) and resolving tags in it authenticate through the provider.
        registryAuth: registry
            ? [{ address: registryAuthAddress(registry.server), username: registry.username, password: registry.password }]
            : undefined,
    });
}

export function deployLocal(config: LocalConfig): Record<string, pulumi.Output<unknown>> {
    const dockerHost = LOCAL_DOCKER_HOST;
    const provider = localDockerProvider("local-docker", config.images);
    const resolver = new ImageResolver(provider, "engine");
    const images = new PlatformImages("images", { config, imagesDir: path.resolve(__dirname, "..", "images"), resolver }, { provider });
    const hub = new DockerHub("hub", {
        config,
        provider,
        dockerHost,
        dockerSocketGid: socketGid(LOCAL_DOCKER_SOCKET),
        dockerSocketPath: LOCAL_DOCKER_SOCKET,
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
