import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "../../..");

/**
 * `pulumi up`/`preview` transpile the program without type-checking it (docs/performance.md:
 * type-checking at every run cost 6-10 s); `npm test` type-checks with tsconfig.json instead.
 */
describe("the program's compile mode under Pulumi", () => {
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { runtime: { options: Record<string, string> } };
    const tsconfig = project.runtime.options.tsconfig;

    it("Pulumi.yaml names a tsconfig of its own that extends the project's", () => {
        assert.ok(tsconfig && tsconfig !== "tsconfig.json", `runtime.options.tsconfig is ${String(tsconfig)}`);
        const own = JSON.parse(fs.readFileSync(path.join(ROOT, tsconfig), "utf8")) as { extends?: string };
        assert.equal(own.extends, "./tsconfig.json");
    });

    it("the nodejs runtime reads noCheck from it, so ts-node runs transpile-only", () => {
        // The reader the runtime itself uses (it does not follow `extends`, so noCheck must be in this file).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const tsutils = require("@pulumi/pulumi/tsutils") as { loadTypeScriptCompilerOptions(p: string): Record<string, unknown> };
        assert.equal(tsutils.loadTypeScriptCompilerOptions(path.join(ROOT, tsconfig)).noCheck, true);
    });

    it("npm run typecheck still checks: tsconfig.json has no noCheck", () => {
        const base = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
        assert.equal(base.compilerOptions.noCheck, undefined);
    });
});
