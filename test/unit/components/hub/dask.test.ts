/** The images state the Dask contract of components/hub/dask.ts in their own languages. */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { DASK_ENV, proxiedDashboardLink, schedulerEnv } from "../../../../components/hub/dask";

const IMAGES = path.resolve(__dirname, "../../../../images");
const read = (rel: string) => fs.readFileSync(path.join(IMAGES, rel), "utf8");

describe("Dask contract and the images", () => {
    it("the single-user image pins dask and distributed to one version, with the dashboard, gateway client and server proxy", () => {
        const pins = new Map(
            read("singleuser/requirements.txt")
                .split("\n")
                .filter((l) => /^[a-z]/.test(l))
                .map((l) => l.split("==") as [string, string]),
        );
        for (const name of ["dask", "distributed", "bokeh", "dask-gateway", "jupyter-server-proxy"]) {
            assert.match(pins.get(name) ?? "", /^\d+(\.\d+)+$/, `${name} pinned`);
        }
        assert.strictEqual(pins.get("dask"), pins.get("distributed"), "dask and distributed are released together");
        const df = read("singleuser/Dockerfile");
        assert.ok(df.includes("-r /opt/platform/requirements.txt"), "the Dockerfile installs requirements.txt");
        assert.ok(df.includes("/usr/local/etc/jupyter/jupyter_server_config.py"), "the server config is installed");
    });

    it("the single-user server config allow-lists the host the hub names in the contract's variable", () => {
        const py = read("singleuser/jupyter-config/jupyter_server_config.py");
        assert.ok(py.includes(`"${DASK_ENV.dashboardHost}"`));
        assert.ok(py.includes("c.ServerProxy.host_allowlist"));
    });

    it("jupyterhub_config.py passes the document's dask environment to every server", () => {
        const py = read("hub/jupyterhub_config.py");
        assert.match(py, /dask = doc\.get\("dask"\) or \{\}\nenvironment\.update\(dask\.get\("env"\) or \{\}\)/);
    });

    it("the dashboard link goes through the user's own server", () => {
        assert.strictEqual(proxiedDashboardLink("sched"), "{JUPYTERHUB_SERVICE_PREFIX}proxy/sched:8787/status");
        assert.strictEqual(schedulerEnv("sched")[DASK_ENV.schedulerAddress], "tcp://sched:8786");
    });
});
