// tools/dev-vm/vm.sh's QEMU command line (`vm.sh argv`, nothing booted): the defects the first
// real boot of the dev VM found in it, caught here again without QEMU.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { renderDockerVmUserData } from "../../../../components/openstack/dockerVmCloudInit";
import { PATHS } from "../../../../components/openstack/scripts";

const VM = path.resolve(__dirname, "../../../../tools/dev-vm/vm.sh");
const DOCKER_ID = "282c4f38-f755-4a23-8dcd-c277eb513056";
const HOME_ID = "9bace506-03c2-43fc-a1a0-d4338a118b5c";

function argv(env: Record<string, string> = {}): string[] {
    const r = spawnSync("bash", [VM, "argv", "/img", "/run/boot.qcow2", "/run/seed.iso", "/run/console.log", DOCKER_ID, HOME_ID], {
        encoding: "utf8",
        env: { ...process.env, JHP_DEV_VM_RUN: "/run", ...env },
    });
    assert.strictEqual(r.status, 0, r.stderr);
    return r.stdout.trimEnd().split("\n");
}

function valuesOf(args: string[], flag: string): string[] {
    return args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
}

describe("tools/dev-vm/vm.sh QEMU arguments", () => {
    it("attaches every disk as an explicit virtio-blk-pci device, boot disk first (it is /dev/vda)", () => {
        // Mixing `-drive if=virtio` with -device put the blank docker disk at vda on the first boot.
        const args = argv();
        for (const d of valuesOf(args, "-drive")) assert.match(d, /(^|,)if=none(,|$)/, d);
        const disks = valuesOf(args, "-device").filter((d) => d.startsWith("virtio-blk-pci,"));
        assert.deepStrictEqual(
            disks.map((d) => /drive=([^,]+)/.exec(d)?.[1]),
            ["boot", "docker", "home", "seed"],
        );
    });

    it("gives the data disks the first 20 characters of their volume IDs as serials, as Cinder does", () => {
        const disks = valuesOf(argv(), "-device").filter((d) => d.startsWith("virtio-blk-pci,"));
        assert.ok(disks[1].endsWith(`,serial=${DOCKER_ID.slice(0, 20)}`), disks[1]);
        assert.ok(disks[2].endsWith(`,serial=${HOME_ID.slice(0, 20)}`), disks[2]);
    });

    it("boots the docker disk as a qcow2 overlay in the run folder, so the cached filled disk is never written", () => {
        // tools/dev-vm/docker-disk.sh fills one raw disk per set of images; every run writes to its
        // own overlay (`vm.sh disks ... DOCKER_BASE`), and a reboot or a new boot disk keeps it.
        const docker = valuesOf(argv(), "-drive").find((d) => d.includes("id=docker"));
        assert.strictEqual(docker, "file=/run/docker.qcow2,if=none,id=docker,format=qcow2,cache=unsafe");
    });

    it("finds the root filesystem by its label, not by the disk's position", () => {
        const [append] = valuesOf(argv(), "-append");
        assert.match(append, /(^| )root=LABEL=jhp-root( |$)/);
    });

    it("forwards SSH and the hub only to host loopback ports", () => {
        const [netdev] = valuesOf(argv({ JHP_DEV_VM_SSH_PORT: "2222", JHP_DEV_VM_HUB_PORT: "8080" }), "-netdev");
        const fwds = netdev.split(",").filter((p) => p.startsWith("hostfwd="));
        assert.deepStrictEqual(fwds, ["hostfwd=tcp:127.0.0.1:2222-:22", "hostfwd=tcp:127.0.0.1:8080-:8000"]);
    });
});

describe("tools/dev-vm/build-image.sh", () => {
    const script = fs.readFileSync(path.resolve(__dirname, "../../../../tools/dev-vm/build-image.sh"), "utf8");
    const packages = (/^PACKAGES=\(([^)]*)\)/m.exec(script)?.[1] ?? "").split(/\s+/);

    it("carries what the rendered user-data relies on in a cloud image: cloud-init, sshd, sudo, locales", () => {
        for (const p of ["cloud-init", "openssh-server", "sudo", "locales", "linux-image-amd64"]) assert.ok(packages.includes(p), p);
    });

    it("sets a system locale that needs no generation, as cloud images do", () => {
        // Without /etc/default/locale, cloud-init's locale module failed the first real boots
        // (update-locale: invalid locale settings LANG=en_US.UTF-8), so cloud-init ended in error.
        assert.match(script, /^echo "LANG=C\.UTF-8" >"\$rootfs\/etc\/default\/locale"$/m);
    });

    it("keeps the guest from regenerating an initramfs QEMU never reads (direct kernel boot)", () => {
        assert.match(script, /update_initramfs=no/);
    });
});

describe("tools/dev-vm/docker-disk.sh", () => {
    const script = fs.readFileSync(path.resolve(__dirname, "../../../../tools/dev-vm/docker-disk.sh"), "utf8");

    it("makes the filesystem and label the user-data's volume preparation makes, so the VM keeps it", () => {
        // jhp-prepare-volume keeps a device that already holds the expected filesystem; a
        // different one is refused and the VM would come up without /var/lib/docker.
        const userData = renderDockerVmUserData({
            dockerVolumeId: "282c4f38-f755-4a23-8dcd-c277eb513056",
            homeVolumeId: "9bace506-03c2-43fc-a1a0-d4338a118b5c",
            homeQuotaBytes: 1 << 30,
            tls: { mode: "none" },
        });
        const runcmd = (YAML.parse(userData) as { runcmd: string[][] }).runcmd;
        const [, , fstype, , label] = runcmd.find((c) => c[0] === PATHS.prepareVolume && c[3] === "/var/lib/docker") ?? [];
        assert.ok(fstype, userData);
        assert.match(script, new RegExp(`^mkfs\\.${fstype} -q -L ${label} "\\$out\\.tmp/docker\\.raw"$`, "m"));
    });

    it("never runs the private dockerd on the shared engine's socket, data root or bridge", () => {
        const dockerd = /^dockerd (.*(?:\\\n.*)*?) \\?\n?\s*>"\$work\/dockerd\.log"/m.exec(script)?.[1] ?? "";
        for (const flag of ['--data-root "$mnt"', '--exec-root "$work/exec"', '-H "unix://$sock"', "--bridge=none", "--iptables=false"]) {
            assert.ok(dockerd.includes(flag), `${flag} in: ${dockerd}`);
        }
        const code = script.split("\n").filter((l) => !/^\s*#/.test(l));
        assert.deepStrictEqual(
            code.filter((l) => /\/var\/run\/docker\.sock|\/var\/lib\/docker/.test(l)),
            [],
        );
        assert.match(script, /^private=\(docker -H "unix:\/\/\$sock"\)$/m);
    });
});
