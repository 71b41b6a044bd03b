/**
 * The platform's images: the proxy, the hub and single-user images unless the config names
 * prebuilt ones (images.hub.image, singleuser.image; resolved to their digests by the stack's
 * ImageResolver), and on Kubernetes the ACME renewer (Let's Encrypt) and Dask Gateway
 * (dask.enabled), each built as a BuiltImage from images/<name>. A configured logo is baked into
 * the hub image through a staged copy of images/hub.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { HubTopologyConfig, ImagesConfig } from "../../config/types";
import {
    contentHash,
    hubBuildArgs,
    imageRepository,
    proxyBuildArgs,
    readContextFiles,
    renewerBuildArgs,
    singleuserBuildArgs,
} from "./buildContext";
import { BuiltImage, type BuiltImageArgs } from "./builtImage";
import type { ImageResolver } from "./imageResolver";

export interface PlatformImagesArgs {
    config: HubTopologyConfig;
    /** Folder holding hub/, proxy/ and singleuser/ (the repository's images/). */
    imagesDir: string;
    /** Resolves the prebuilt images the config names by tag to their digests. */
    resolver: ImageResolver;
    /**
     * Use the classic builder (see BuiltImageArgs.legacyBuilder).
     * @default true
     */
    legacyBuilder?: boolean;
}

/** Where a configured logo lands inside the hub image. */
export function hubLogoTarget(logoPath: string): { contextPath: string; imagePath: string } {
    const ext = path.extname(logoPath).toLowerCase() || ".png";
    return { contextPath: `branding/logo${ext}`, imagePath: `/etc/jupyterhub/branding/logo${ext}` };
}

/** Copy images/hub plus the logo into a folder named by their content, and return it. */
function stageHubContext(hubDir: string, logoPath: string): string {
    const target = hubLogoTarget(logoPath);
    const files = readContextFiles(hubDir);
    files.push({ path: target.contextPath, content: fs.readFileSync(logoPath) });
    const dir = path.join(os.tmpdir(), "jupyterhub-platform", `hub-context-${contentHash(files, {}).slice(0, 12)}`);
    for (const f of files) {
        const dest = path.join(dir, f.path);
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        fs.writeFileSync(dest, f.content, { mode: f.mode ?? 0o644 });
    }
    return dir;
}

/** How images/singleuser is built (the hub topologies and the lab build the same image). */
export function singleuserImageArgs(images: ImagesConfig, imagesDir: string, legacyBuilder?: boolean): BuiltImageArgs {
    return {
        images,
        legacyBuilder,
        context: path.join(imagesDir, "singleuser"),
        repository: imageRepository(images, "singleuser"),
        buildArgs: singleuserBuildArgs(images.singleuser),
    };
}

export class PlatformImages extends pulumi.ComponentResource {
    readonly hubRef: pulumi.Output<string>;
    readonly proxyRef: pulumi.Output<string>;
    readonly singleuserRef: pulumi.Output<string>;
    /** images/acme-renewer (certbot): only for hub.tls.mode letsencrypt on Kubernetes. */
    readonly renewerRef?: pulumi.Output<string>;
    /** images/dask-gateway: Dask Gateway's server and controller (kubernetes with dask.enabled only). */
    readonly daskGatewayRef?: pulumi.Output<string>;
    /** Tags of the images built here (hub and singleuser only when built). */
    readonly tags: Record<string, string>;
    /** Path of the baked-in logo inside the hub image, when hub.logo is set. */
    readonly hubLogoFile?: string;

    constructor(name: string, args: PlatformImagesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:images:PlatformImages", name, {}, opts);
        const { config, imagesDir } = args;
        const images = config.images;
        const common = { images, legacyBuilder: args.legacyBuilder };

        const hubDir = path.join(imagesDir, "hub");
        // Validation refuses hub.logo with a prebuilt hub image: the logo is baked in here.
        const logo = images.hub.image === undefined ? config.hub.logoPath : undefined;
        const hub =
            images.hub.image === undefined
                ? new BuiltImage(
                      `${name}-hub`,
                      {
                          ...common,
                          context: logo ? stageHubContext(hubDir, logo) : hubDir,
                          dateSource: logo ? hubDir : undefined,
                          repository: imageRepository(images, "hub"),
                          buildArgs: hubBuildArgs(images),
                      },
                      { parent: this },
                  )
                : undefined;
        const proxy = new BuiltImage(
            `${name}-proxy`,
            {
                ...common,
                context: path.join(imagesDir, "proxy"),
                repository: imageRepository(images, "proxy"),
                buildArgs: proxyBuildArgs(images),
            },
            { parent: this },
        );
        this.tags = { proxy: proxy.tag, ...(hub ? { hub: hub.tag } : {}) };
        if (config.singleuser.image) {
            this.singleuserRef = args.resolver.resolve(config.singleuser.image, "singleuser.image");
        } else {
            const singleuser = new BuiltImage(`${name}-singleuser`, singleuserImageArgs(images, imagesDir, args.legacyBuilder), {
                parent: this,
            });
            this.singleuserRef = singleuser.ref;
            this.tags.singleuser = singleuser.tag;
        }
        if (config.topology === "kubernetes" && config.hub.tls.mode === "letsencrypt") {
            // The Docker VM runs certbot from Debian on the host; only the cluster needs an image.
            const renewer = new BuiltImage(
                `${name}-acme-renewer`,
                {
                    ...common,
                    context: path.join(imagesDir, "acme-renewer"),
                    repository: imageRepository(images, "acme-renewer"),
                    buildArgs: renewerBuildArgs(images),
                },
                { parent: this },
            );
            this.renewerRef = renewer.ref;
            this.tags.renewer = renewer.tag;
        }
        if (config.topology === "kubernetes" && config.dask.enabled) {
            const gateway = new BuiltImage(
                `${name}-dask-gateway`,
                {
                    ...common,
                    context: path.join(imagesDir, "dask-gateway"),
                    repository: imageRepository(images, "dask-gateway"),
                    // Built from the hub's base (Python and pip), like the proxy.
                    buildArgs: proxyBuildArgs(images),
                },
                { parent: this },
            );
            this.daskGatewayRef = gateway.ref;
            this.tags["dask-gateway"] = gateway.tag;
        }
        this.hubRef = hub ? hub.ref : args.resolver.resolve(images.hub.image as string, "images.hub.image");
        this.proxyRef = proxy.ref;
        this.hubLogoFile = logo ? hubLogoTarget(logo).imagePath : undefined;
        this.registerOutputs({
            hubRef: this.hubRef,
            proxyRef: this.proxyRef,
            singleuserRef: this.singleuserRef,
            renewerRef: this.renewerRef,
            daskGatewayRef: this.daskGatewayRef,
        });
    }
}
