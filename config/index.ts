/**
 * The one place that reads stack config: `loadStackConfig()` validates everything before any
 * resource is created and returns one frozen, typed object.
 */
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "./parse";
import { flattenRuntimeConfig } from "./runtime";
import { PROJECT } from "./schema";
import type { PlatformConfig } from "./types";

export { parseConfig } from "./parse";
export type { PlatformConfig } from "./types";

/** A RunError: the engine prints the message alone, without a stack trace, and stops. */
export class ConfigValidationError extends pulumi.RunError {
    constructor(readonly problems: readonly string[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was created:\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigValidationError";
    }
}

/** The SDK keeps this list internal (isConfigSecret); it is what the language host passes in. */
function secretKeysFromStore(): string[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const state = require("@pulumi/pulumi/runtime/state") as { getStore(): { config: Record<string, string | undefined> } };
    const raw = state.getStore().config["PULUMI_CONFIG_SECRET_KEYS"];
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(parsed) ? parsed.filter((k): k is string => typeof k === "string") : [];
}

export function loadStackConfig(projectDir: string = path.resolve(__dirname, "..")): PlatformConfig {
    const raw = flattenRuntimeConfig(pulumi.runtime.allConfig(), secretKeysFromStore(), PROJECT);
    const result = parseConfig(raw, {
        project: PROJECT,
        stack: pulumi.getStack(),
        // The value was read from the engine's config; wrapping it keeps it secret from here on.
        makeSecret: (_key, value) => pulumi.secret(value),
        projectDir,
        env: process.env,
        hostMemoryBytes: os.totalmem(),
    });
    if (!result.ok) {
        throw new ConfigValidationError(result.problems);
    }
    for (const warning of result.warnings) {
        void pulumi.log.warn(warning);
    }
    return result.config;
}
