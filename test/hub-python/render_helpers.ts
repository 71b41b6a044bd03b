/**
 * Writes the VM-side home helpers exactly as cloud-init installs them (components/openstack/scripts.ts)
 * into OUTDIR, so test/hub-python runs the hub's pre-spawn hooks against the real scripts.
 *
 * Usage: ts-node --transpile-only test/hub-python/render_helpers.ts OUTDIR
 */
import * as fs from "fs";
import * as path from "path";
import { renderGlusterHomeScript, renderHomeProvisionScript } from "../../components/openstack/scripts";
import { HOME_OWNER, HOMES_ROOT } from "../../components/openstack/dockerVmCloudInit";

const out = process.argv[2];
if (!out) {
    console.error("usage: render_helpers.ts OUTDIR");
    process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
const write = (name: string, content: string) => fs.writeFileSync(path.join(out, name), content, { mode: 0o755 });
// The quota is the VM's (overridden per test through JHP_HOME_QUOTA, as test/real does).
write("jhp-home-provision", renderHomeProvisionScript({ homesRoot: HOMES_ROOT, quotaBytes: 1073741824, owner: HOME_OWNER }));
write("jhp-gluster-home", renderGlusterHomeScript());
console.log(`rendered jhp-home-provision and jhp-gluster-home into ${out}`);
