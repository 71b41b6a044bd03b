/**
 * PlatformConfig fixtures for the hub, docker and images tests, produced by the real config
 * parser (so the tests follow config/ as it evolves) from a few raw keys.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "../../../config/parse";
import type { LocalConfig, PlatformConfig } from "../../../config/types";

export function platformConfig(values: Record<string, string> = {}, opts: { stack?: string; secretKeys?: string[] } = {}): PlatformConfig {
    const result = parseConfig(
        { values, secretKeys: new Set(opts.secretKeys ?? []) },
        {
            project: "jupyterhub-platform",
            stack: opts.stack ?? "unit",
            makeSecret: (_key, value) => pulumi.secret(value),
            projectDir: "/work/project",
            env: {},
        },
    );
    if (!result.ok) {
        throw new Error(`fixture config invalid:\n${result.problems.join("\n")}`);
    }
    return result.config;
}

/** Narrows a parsed config to one topology's member (fails the test when it is another). */
export function asTopology<T extends PlatformConfig["topology"]>(
    config: PlatformConfig,
    topology: T,
): Extract<PlatformConfig, { topology: T }> {
    if (config.topology !== topology) {
        throw new Error(`fixture: expected topology ${topology}, got ${config.topology}`);
    }
    return config as Extract<PlatformConfig, { topology: T }>;
}

/** A `local` stack's config. */
export function localConfig(values: Record<string, string> = {}, opts: { stack?: string; secretKeys?: string[] } = {}): LocalConfig {
    return asTopology(platformConfig(values, opts), "local");
}
