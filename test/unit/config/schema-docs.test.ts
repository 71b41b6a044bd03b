/** Pulumi.yaml and the config reference are generated from config/schema.ts and must not drift. */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { renderPulumiYaml, renderReference } from "../../../config/docs";
import { CONFIG_KEYS } from "../../../config/schema";

const root = path.resolve(__dirname, "../../..");

describe("config schema and generated docs", () => {
    it("Pulumi.yaml is up to date (run `npm run docs:config`)", () => {
        assert.equal(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"), renderPulumiYaml());
    });
    it("docs/config-reference.md is up to date (run `npm run docs:config`)", () => {
        assert.equal(fs.readFileSync(path.join(root, "docs/config-reference.md"), "utf8"), renderReference());
    });
    it("declares every key with a type, default and description, and no key twice", () => {
        const project = parseYaml(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
            config: Record<string, { type: string; default: unknown; description: string }>;
        };
        assert.equal(Object.keys(project.config).length, CONFIG_KEYS.length);
        assert.equal(new Set(CONFIG_KEYS.map((k) => k.key)).size, CONFIG_KEYS.length);
        for (const k of CONFIG_KEYS) {
            const decl = project.config[k.key];
            assert.ok(decl, k.key);
            assert.equal(decl.type, k.type, k.key);
            assert.ok(decl.description.length > 10, k.key);
            assert.notEqual(decl.default, undefined, k.key);
            if (k.enum) {
                assert.ok(k.enum.includes(String(k.default)), `${k.key} default not in enum`);
            }
        }
    });
    it("every key of every example stack is declared", () => {
        const known = new Set(CONFIG_KEYS.map((k) => `jupyterhub-platform:${k.key}`));
        for (const stack of ["local", "local-dask", "dev", "prod", "lab"]) {
            const doc = parseYaml(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
            for (const key of Object.keys(doc.config ?? {})) {
                if (key.startsWith("jupyterhub-platform:")) {
                    assert.ok(known.has(key), `${stack}: ${key}`);
                }
            }
        }
    });
});
