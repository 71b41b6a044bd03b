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

/**
 * The newest image with the configured name; a new upload replaces the VMs (never their data
 * volumes). Listed (image IDs, newest first) rather than fetched with getImage: against a real
 * cloud getImage of a missing name fails with "Your query returned no results", which names
 * neither the image nor the config key; this error names both, at preview, before any resource.
 */
export function lookupImageId(os: OpenStackConfig, provider: openstack.Provider): pulumi.Output<string> {
    return openstack.images.getImageIdsOutput({ name: os.image, sort: "created_at:desc" }, { provider }).ids.apply((ids) => {
        if (ids.length === 0) {
            throw new Error(`openstack.image: the cloud has no image named "${os.image}" (openstack image list shows the names)`);
        }
        return ids[0];
    });
}
