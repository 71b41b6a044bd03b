/**
 * The images state the hub contract in their own languages (Dockerfile ARG/ENV/USER/EXPOSE,
 * jupyterhub_config.py): each of those values must equal the one in components/hub/contract.ts.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { HUB_DOCUMENT_PATH, HUB_PATHS, HUB_PORTS, HUB_SECRET_ENV, HUB_USER, NOBODY } from "../../../../components/hub/contract";
import { CONFIG_KEYS } from "../../../../config/schema";

const IMAGES = path.resolve(__dirname, "../../../../images");
const read = (rel: string) => fs.readFileSync(path.join(IMAGES, rel), "utf8");

describe("hub contract and the images", () => {
    it("hub image: user, config document path, data directory and port", () => {
        const df = read("hub/Dockerfile");
        assert.match(df, new RegExp(`^ARG HUB_UID=${HUB_USER.uid}$`, "m"));
        assert.match(df, new RegExp(`^ARG HUB_GID=${HUB_USER.gid}$`, "m"));
        assert.ok(df.includes(`PLATFORM_CONFIG=${HUB_DOCUMENT_PATH}`), "PLATFORM_CONFIG default");
        assert.ok(df.includes(`mkdir -p ${HUB_PATHS.dataDir} ${HUB_PATHS.configDir}`), "data and config directories");
        assert.match(df, new RegExp(`^EXPOSE ${HUB_PORTS.hub}$`, "m"));
    });

    it("proxy image: runs as nobody and exposes the proxy ports", () => {
        const df = read("proxy/Dockerfile");
        assert.match(df, new RegExp(`^USER ${NOBODY}:${NOBODY}$`, "m"));
        const exposed = (/^EXPOSE (.*)$/m.exec(df)?.[1] ?? "").split(/\s+/).map(Number).sort();
        assert.deepStrictEqual(exposed, [HUB_PORTS.proxyHttp, HUB_PORTS.proxyApi, HUB_PORTS.proxyHttps].sort());
    });

    it("jupyterhub_config.py reads every secret variable and the document path the contract names", () => {
        const py = read("hub/jupyterhub_config.py");
        assert.ok(py.includes(`"${HUB_DOCUMENT_PATH}"`), "DOC_PATH default");
        for (const name of Object.values(HUB_SECRET_ENV)) {
            assert.ok(py.includes(name), `${name} is read`);
        }
    });
});

describe("base images", () => {
    it("the Dockerfiles' BASE_IMAGE defaults are the config's defaults (a plain docker build matches the program's)", () => {
        const key = (k: string) => CONFIG_KEYS.find((s) => s.key === k)?.default;
        const arg = (rel: string) => /^ARG BASE_IMAGE=(.*)$/m.exec(read(rel))?.[1];
        assert.strictEqual(arg("hub/Dockerfile"), key("images.hub.baseImage"));
        assert.strictEqual(arg("proxy/Dockerfile"), key("images.hub.baseImage"));
        assert.strictEqual(arg("singleuser/Dockerfile"), key("images.singleuser.baseImage"));
    });
});
