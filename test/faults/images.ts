/**
 * The images a `local` stack of this checkout runs, made available on the fault test's private
 * engine: the hub and single-user images are built on the shared engine when missing (the private
 * one has no way out to package registries), under the very tags the program would build, then
 * `docker save | docker load`-ed into the private engine with the hub's base (the proxy is built
 * from it there, offline). The stack then names them (images.hub.image, singleuser.image).
 */
import { spawnSync } from "child_process";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "../../config/parse";
import { hubBuildArgs, imageRepository } from "../../components/images/buildContext";
import { plannedImage, type BuiltImageArgs } from "../../components/images/builtImage";
import { singleuserImageArgs } from "../../components/images/platformImages";
import { PROJECT_DIR, baseImageConfig } from "../e2e/common/lib";

const IMAGES_DIR = path.join(PROJECT_DIR, "images");

function sh(cmd: string, env: NodeJS.ProcessEnv, timeoutMs: number): { code: number; out: string } {
    const r = spawnSync("bash", ["-c", cmd], { env, encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 });
    return { code: r.status ?? 1, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

export interface FaultImages {
    hub: string;
    singleuser: string;
    base: string;
}

/** repository:tag of the hub and single-user images the program would build from this checkout. */
export function plannedImages(): FaultImages & { args: BuiltImageArgs[] } {
    const parsed = parseConfig(
        { values: { topology: "local", ...baseImageConfig() }, secretKeys: new Set() },
        { project: "jupyterhub-platform", stack: "faults", makeSecret: (_k, v) => pulumi.secret(v), projectDir: PROJECT_DIR, env: {} },
    );
    if (!parsed.ok) throw new Error(`config: ${parsed.problems.join("; ")}`);
    const images = parsed.config.images;
    const hubArgs: BuiltImageArgs = {
        context: path.join(IMAGES_DIR, "hub"),
        repository: imageRepository(images, "hub"),
        buildArgs: hubBuildArgs(images),
        images,
    };
    const suArgs = singleuserImageArgs(images, IMAGES_DIR);
    return {
        hub: plannedImage(hubArgs).imageName,
        singleuser: plannedImage(suArgs).imageName,
        base: images.hub.baseImage,
        args: [hubArgs, suArgs],
    };
}

/** Build what is missing on the shared engine, then copy everything into the private one. */
export function provideImages(privateHost: string, log: (s: string) => void): FaultImages {
    const planned = plannedImages();
    const shared = { ...process.env, DOCKER_HOST: "" };
    for (const a of planned.args) {
        const name = plannedImage(a).imageName;
        if (sh(`docker image inspect ${name} >/dev/null`, shared, 60_000).code === 0) continue;
        log(`faults: building ${name} on the shared engine (as the program does: classic builder, same args)`);
        const args = Object.entries(a.buildArgs)
            .map(([k, v]) => `--build-arg ${JSON.stringify(`${k}=${v}`)}`)
            .join(" ");
        const r = sh(`DOCKER_BUILDKIT=0 docker build -q -t ${name} ${args} ${JSON.stringify(a.context)}`, shared, 45 * 60_000);
        if (r.code !== 0) throw new Error(`build ${name}: ${r.out.slice(-1500)}`);
    }
    const names = [planned.hub, planned.singleuser, planned.base];
    const missing = names.filter(
        (n) => sh(`docker image inspect ${n} >/dev/null`, { ...process.env, DOCKER_HOST: privateHost }, 60_000).code !== 0,
    );
    if (missing.length) {
        log(`faults: loading ${missing.join(", ")} into the private engine`);
        const r = sh(`set -o pipefail; docker save ${missing.join(" ")} | DOCKER_HOST=${privateHost} docker load -q`, shared, 20 * 60_000);
        if (r.code !== 0) throw new Error(`docker save | load: ${r.out.slice(-1500)}`);
    }
    return { hub: planned.hub, singleuser: planned.singleuser, base: planned.base };
}
