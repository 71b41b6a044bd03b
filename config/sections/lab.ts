/** lab.*: one JupyterLab container for one person (topology lab): image, port, work directory, limits, token. */
import * as fs from "fs";
import type { ConfigReader } from "../reader";
import { isAbsolutePath, isImageRef } from "../formats";
import type { LabSettings } from "../types";
import { IMAGE_REF_ALLOWED } from "./singleuser";

const MIN_MEMORY = 64 * 2 ** 20;
/** Docker's rule for volume names. */
const DOCKER_VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;

export function readLab(r: ConfigReader): LabSettings {
    const image = r.optStr("lab.image");
    if (image !== undefined && !isImageRef(image)) {
        r.bad("lab.image", image, `${IMAGE_REF_ALLOWED}, or empty to build images/singleuser`);
    }
    const mountPath = r.str("lab.mountPath");
    if (!isAbsolutePath(mountPath) || mountPath === "/") {
        r.bad("lab.mountPath", mountPath, "an absolute path other than /, such as /home/jovyan/work");
    }
    const memLimit = r.size("lab.memory.limit");
    if (memLimit !== undefined && memLimit < MIN_MEMORY) {
        r.bad("lab.memory.limit", r.str("lab.memory.limit"), "at least 64Mi (a Jupyter server and kernel need more than that)");
    }
    const token = r.secret("lab.token");
    const plainToken = r.peekSecret("lab.token");
    if (plainToken !== undefined && plainToken.length < 16) {
        r.bad("lab.token", plainToken, "at least 16 characters (anyone who can reach the port and guess it gets a shell)");
    }
    return {
        image,
        port: r.int("lab.port", 1, 65535),
        ...readWork(r),
        mountPath,
        memLimitBytes: memLimit ?? 2e9,
        cpuLimit: r.cpu("lab.cpu.limit") ?? 1,
        ...(token !== undefined ? { token } : {}),
    };
}

/** lab.work as `docker run -v` reads its left side: an absolute path is a host directory, anything else a volume. */
function readWork(r: ConfigReader): Pick<LabSettings, "workDir" | "workVolume"> {
    const key = "lab.work";
    const work = r.optStr(key);
    if (work === undefined) {
        return {};
    }
    if (work.startsWith("~") || work.startsWith(".")) {
        r.bad(
            key,
            work,
            "an absolute host path such as /home/me/work, or a volume name",
            "the shell's ~ and relative paths are not expanded here",
        );
        return {};
    }
    if (!work.startsWith("/")) {
        if (!DOCKER_VOLUME_NAME.test(work)) {
            r.bad(key, work, "a Docker volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*) or an absolute host path");
            return {};
        }
        return { workVolume: work };
    }
    if (!isAbsolutePath(work) || work === "/") {
        r.bad(key, work, "an absolute path of a host directory other than /, without '..'");
        return {};
    }
    // The lab runs on this machine's engine, so the directory is checked here: Docker would
    // otherwise fail the container (bind source missing) or create it owned by root.
    let isDir = false;
    try {
        isDir = fs.statSync(work).isDirectory();
    } catch {
        isDir = false;
    }
    if (!isDir) {
        r.bad(
            key,
            work,
            "an existing host directory (create it first, writable by uid 1000: mkdir -p DIR && chown 1000:100 DIR)",
            `no directory at ${work}`,
        );
        return {};
    }
    return { workDir: work };
}
