/**
 * The explicit OpenStack provider of a stack, built from `openstack.*` config. With neither
 * `openstack.cloud` nor `openstack.authUrl` set, the provider falls back to OS_CLOUD / OS_AUTH_URL
 * in the environment (the config loader checks one of them is present).
 */
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import type { OpenStackConfig } from "../../config/types";

/** Provider arguments (pure apart from the secret Outputs it passes through). */
export function openStackProviderArgs(cfg: OpenStackConfig): openstack.ProviderArgs {
    const args: openstack.ProviderArgs = {
        cloud: cfg.cloud,
        authUrl: cfg.authUrl,
        region: cfg.region,
        userName: cfg.username,
        password: cfg.password,
        tenantName: cfg.projectName,
        userDomainName: cfg.userDomainName,
        projectDomainName: cfg.projectDomainName,
        applicationCredentialId: cfg.applicationCredentialId,
        applicationCredentialSecret: cfg.applicationCredentialSecret,
    };
    if (cfg.applicationCredentialId !== undefined) {
        // Application credentials are scoped already; a project or domain beside them is refused.
        delete args.tenantName;
        delete args.userDomainName;
        delete args.projectDomainName;
    }
    return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) as openstack.ProviderArgs;
}

export function createOpenStackProvider(name: string, cfg: OpenStackConfig, opts?: pulumi.CustomResourceOptions): openstack.Provider {
    return new openstack.Provider(name, openStackProviderArgs(cfg), opts);
}
