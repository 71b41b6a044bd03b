/**
 * Pieces both OpenStack topologies share (pure helpers plus the image lookup).
 */
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import type { OpenStackConfig, PlatformConfig } from "../../config/types";
import { cleanName } from "../shared/names";

/** Prefix of every OpenStack object name of a stack: `<project>-<stack>`, DNS-safe. */
export function namePrefix(config: PlatformConfig): string {
    return cleanName(`${config.project}-${config.stack}`, "jupyterhub", 40);
}

/** The newest image with the configured name; a new upload replaces the VMs (never their data volumes). */
export function lookupImageId(os: OpenStackConfig, provider: openstack.Provider): pulumi.Output<string> {
    return openstack.images.getImageOutput({ name: os.image, mostRecent: true }, { provider }).id;
}
