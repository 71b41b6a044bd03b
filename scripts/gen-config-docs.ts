/** Writes Pulumi.yaml and docs/config-reference.md from config/schema.ts. */
import * as fs from "fs";
import * as path from "path";
import { renderPulumiYaml, renderReference } from "../config/docs";

const root = path.resolve(__dirname, "..");
fs.writeFileSync(path.join(root, "Pulumi.yaml"), renderPulumiYaml());
fs.mkdirSync(path.join(root, "docs"), { recursive: true });
fs.writeFileSync(path.join(root, "docs", "config-reference.md"), renderReference());
console.log("wrote Pulumi.yaml and docs/config-reference.md");
