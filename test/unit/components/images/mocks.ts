/**
 * The shared RecordingMocks plus what the real docker provider computes for the image resources
 * this folder uses: RemoteImage's image ID and RegistryImage's pushed digest.
 */
import * as pulumi from "@pulumi/pulumi";
import { RecordingMocks } from "../../harness";
import { DOCKER_IMAGE_INVOKES } from "../../fixtures/dockerImages";

export const MOCK_IMAGE_ID = "sha256:" + "1".repeat(64);
export const MOCK_PUSHED_DIGEST = "sha256:" + "2".repeat(64);

class ImageMocks extends RecordingMocks {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const result = super.newResource(args);
        if (args.type === "docker:index/remoteImage:RemoteImage") {
            result.state = { ...result.state, imageId: MOCK_IMAGE_ID };
        }
        if (args.type === "docker:index/registryImage:RegistryImage") {
            result.state = { ...result.state, sha256Digest: MOCK_PUSHED_DIGEST };
        }
        return result;
    }
}

export async function setupImageMocks(): Promise<RecordingMocks> {
    const mocks = new ImageMocks(DOCKER_IMAGE_INVOKES);
    await pulumi.runtime.setMocks(mocks, "jupyterhub-platform", "unit", false);
    return mocks;
}
