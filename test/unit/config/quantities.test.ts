import { strict as assert } from "assert";
import {
    parseCpu,
    parseSize,
    toDockerSize,
    toGlusterSize,
    toKubernetesCpu,
    toKubernetesQuantity,
    toNanoCpus,
} from "../../../config/quantities";

describe("quantities", () => {
    const sizes: [string, number | undefined][] = [
        ["1073741824", 2 ** 30],
        ["2G", 2e9],
        ["2Gi", 2 * 2 ** 30],
        ["128M", 128e6],
        ["500Mi", 500 * 2 ** 20],
        ["1.5Gi", 1.5 * 2 ** 30],
        ["100k", 100e3],
        ["64Ki", 64 * 1024],
        ["512m", 512 * 2 ** 20],
        ["2g", 2 * 2 ** 30],
        ["1t", 2 ** 40],
        ["4096b", 4096],
        ["2GB", undefined],
        ["2gb", undefined],
        ["2GiB", undefined],
        ["2 G", undefined],
        ["-1G", undefined],
        ["G", undefined],
        ["1.5.2G", undefined],
        ["0.5b", undefined],
        ["", undefined],
    ];
    for (const [text, bytes] of sizes) {
        it(`parses size ${JSON.stringify(text)} as ${bytes}`, () => assert.equal(parseSize(text), bytes));
    }

    it("converts between Kubernetes and Docker forms without loss", () => {
        assert.equal(toKubernetesQuantity(500 * 2 ** 20), "500Mi");
        assert.equal(toKubernetesQuantity(2e9), "2G");
        assert.equal(toKubernetesQuantity(128e6), "128M");
        assert.equal(toKubernetesQuantity(1000), "1k");
        assert.equal(toKubernetesQuantity(1001), "1001");
        assert.equal(toDockerSize(512 * 2 ** 20), "512m");
        assert.equal(toDockerSize(2 * 2 ** 30), "2g");
        assert.equal(toDockerSize(2e9), "2000000000b");
        assert.equal(toDockerSize(1001), "1001b");
        for (const text of ["2G", "2Gi", "512m", "128M", "3t"]) {
            const bytes = parseSize(text) as number;
            assert.equal(parseSize(toKubernetesQuantity(bytes)), bytes, text);
            assert.equal(parseSize(toDockerSize(bytes)), bytes, text);
        }
    });

    it("renders Gluster quota sizes", () => {
        assert.equal(toGlusterSize(2 ** 30), "1GB");
        assert.equal(toGlusterSize(500 * 2 ** 20), "500MB");
        assert.equal(toGlusterSize(1e9), "1000000000B");
    });

    const cpus: [string, number | undefined][] = [
        ["1", 1],
        ["0.5", 0.5],
        ["500m", 0.5],
        ["2", 2],
        ["1.5m", undefined],
        ["two", undefined],
        ["-1", undefined],
        ["1 cpu", undefined],
    ];
    for (const [text, cores] of cpus) {
        it(`parses CPU ${JSON.stringify(text)} as ${cores}`, () => assert.equal(parseCpu(text), cores));
    }

    it("renders CPU for Kubernetes and Docker", () => {
        assert.equal(toKubernetesCpu(0.5), "500m");
        assert.equal(toKubernetesCpu(2), "2");
        assert.equal(toNanoCpus(1.5), 1_500_000_000);
    });
});
