/**
 * The one place that reads stack config: `loadStackConfig()` validates everything before any
 * resource is created and returns one frozen, typed object.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "./parse";
import { PROJECT } from "./schema";
import type { PlatformConfig } from "./types";

export { parseConfig } from "./parse";
export type { PlatformConfig } from "./types";

export class ConfigValidationError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was created:\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigValidationError";
    }
}

/** Keys of the project namespace that the engine marked secret. */
function secretKeys(prefix: string): Set<string> {
    const list = secretKeysFromStore();
    return new Set(list.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)));
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
    const prefix = `${PROJECT}:`;
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(pulumi.runtime.allConfig())) {
        if (k.startsWith(prefix)) {
            values[k.slice(prefix.length)] = v;
        }
    }
    const cfg = new pulumi.Config(PROJECT);
    const result = parseConfig(
        { values, secretKeys: secretKeys(prefix) },
        {
            project: PROJECT,
            stack: pulumi.getStack(),
            makeSecret: (key) => cfg.requireSecret(key),
            projectDir,
            env: process.env,
        },
    );
    if (!result.ok) {
        throw new ConfigValidationError(result.problems);
    }
    return result.config;
}
