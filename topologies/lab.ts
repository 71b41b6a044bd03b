/**
 * The `lab` topology: one JupyterLab container for one person on this machine's Docker engine,
 * no hub. The image is images/singleuser built here (with the images.singleuser.* packages) or
 * lab.image resolved to its digest; login is by token (a generated secret, stack output `token`).
 */
import * as path from "path";
import { JupyterLab } from "../components/docker/jupyterLab";
import { BuiltImage } from "../components/images/builtImage";
import { ImageResolver } from "../components/images/imageResolver";
import { singleuserImageArgs } from "../components/images/platformImages";
import type { LabConfig } from "../config/types";
import type { StackOutputs } from "./index";
import { localDockerHost, localDockerProvider } from "./local";

export function deployLab(config: LabConfig): StackOutputs {
    const provider = localDockerProvider("local-docker", config.images);
    const resolver = new ImageResolver(provider, "engine");
    const image = config.lab.image
        ? resolver.resolve(config.lab.image, "lab.image")
        : new BuiltImage("lab-image", singleuserImageArgs(config.images, path.resolve(__dirname, "..", "images")), { provider }).ref;
    const lab = new JupyterLab("lab", { config, provider, dockerHost: localDockerHost(), image });
    return {
        url: lab.url,
        token: lab.token,
        containerName: lab.containerName,
        work: lab.work,
        image,
        resolvedImages: resolver.output(),
    };
}
