/**
 * Pieces both OpenStack topologies share (pure helpers plus the image lookup).
 */
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import type { OpenStackConfig, PlatformConfig } from "../../config/types";

/** Prefix of every OpenStack object name of a stack: `<project>-<stack>`, DNS-safe. */
export function namePrefix(config: PlatformConfig): string {
    return (
        `${config.project}-${config.stack}`
            .toLowerCase()
            .replace(/[^a-z0-9-]+/g, "-")
            .replace(/-+/g, "-")
            .replace(/^-|-$/g, "")
            .slice(0, 40) || "jupyterhub"
    );
}

/** The newest image with the configured name; a new upload replaces the VMs (never their data volumes). */
export function lookupImageId(os: OpenStackConfig, provider: openstack.Provider): pulumi.Output<string> {
    return openstack.images.getImageOutput({ name: os.image, mostRecent: true }, { provider }).id;
}
