import * as assert from "assert";
import { clusterRules, dockerVmRules, needsPodAddressPairs, rolesOf, type RuleSpec } from "../../../../components/openstack/securityRules";

const admin = ["198.51.100.0/24", "192.0.2.10/32"];

/** Rules of a role and protocol that let `port` in; a rule without a port range covers every port. */
function find(rules: RuleSpec[], role: string, protocol: string, port?: number): RuleSpec[] {
    return rules.filter(
        (r) =>
            r.role === role &&
            r.protocol === protocol &&
            (port === undefined || r.portMin === undefined || (r.portMin <= port && port <= (r.portMax ?? r.portMin))),
    );
}

describe("security group rules", () => {
    it("docker VM: SSH only from admin CIDRs, 80 and 443 from anywhere", () => {
        const rules = dockerVmRules({ adminCidrs: admin });
        assert.deepStrictEqual(
            find(rules, "docker", "tcp", 22).map((r) => r.from),
            admin.map((cidr) => ({ cidr })),
        );
        assert.deepStrictEqual(find(rules, "docker", "tcp", 80)[0].from, { cidr: "0.0.0.0/0" });
        assert.deepStrictEqual(find(rules, "docker", "tcp", 443)[0].from, { cidr: "0.0.0.0/0" });
        assert.ok(!rules.some((r) => "cidr" in r.from && r.from.cidr === "0.0.0.0/0" && r.portMin === 22));
        const plain = dockerVmRules({ adminCidrs: admin, plainHttpPort: 8000 });
        assert.deepStrictEqual(find(plain, "docker", "tcp", 8000)[0].from, { cidr: "0.0.0.0/0" }, "hub.port opens when TLS is off");
        assert.strictEqual(dockerVmRules({ adminCidrs: admin, plainHttpPort: 80 }).length, rules.length);
    });

    for (const mode of ["vxlan", "ipip", "bgp"] as const) {
        it(`cluster (${mode}): API and SSH only from admin CIDRs and nodes; node-to-node ports per mode`, () => {
            const rules = clusterRules({ adminCidrs: admin, calicoMode: mode, podCidr: "192.168.0.0/16", typha: true });
            const api = find(rules, "controlPlane", "tcp", 6443);
            assert.deepStrictEqual(
                api.map((r) => r.from),
                [
                    ...admin.map((cidr) => ({ cidr })),
                    { role: "controlPlane" },
                    { role: "worker" },
                    // Without encapsulation pods reach the API (kubernetes Service) from pod addresses.
                    ...(mode === "bgp" ? [{ cidr: "192.168.0.0/16" }] : []),
                ],
            );
            for (const role of ["controlPlane", "worker", "storage"]) {
                const ssh = find(rules, role, "tcp", 22);
                assert.ok(ssh.length === admin.length && ssh.every((r) => "cidr" in r.from && admin.includes(r.from.cidr)), `${role} SSH`);
            }
            // No world-open port except 80/443 on the entry group.
            const world = rules.filter((r) => "cidr" in r.from && r.from.cidr === "0.0.0.0/0");
            assert.deepStrictEqual(
                world.map((r) => [r.role, r.portMin]),
                [
                    ["entry", 80],
                    ["entry", 443],
                ],
            );
            for (const to of ["controlPlane", "worker"]) {
                // Node-to-node rules (by group); the pod network's ranges are checked below.
                const fromNodes = (protocol: string, port?: number) => find(rules, to, protocol, port).filter((r) => "role" in r.from);
                assert.strictEqual(fromNodes("tcp", 10250).length, 2, "kubelet from both node roles");
                assert.strictEqual(fromNodes("tcp", 5473).length, 2, "typha");
                assert.strictEqual(fromNodes("tcp", 179).length, mode === "vxlan" ? 0 : 2, "bgp");
                assert.strictEqual(fromNodes("4").length, mode === "ipip" ? 2 : 0, "ip-in-ip");
                assert.strictEqual(fromNodes("udp", 4789).length, mode === "vxlan" ? 2 : 0, "vxlan");
                const podRules = rules.filter((r) => r.role === to && "cidr" in r.from && r.from.cidr === "192.168.0.0/16");
                assert.strictEqual(podRules.length, mode === "bgp" ? 4 : 0, "pod CIDR rules only without encapsulation");
                if (mode === "bgp") {
                    // Every port but SSH from pods: TCP 1-21 and 23-65535, UDP and ICMP.
                    assert.deepStrictEqual(
                        podRules.map((r) => [r.protocol, r.portMin, r.portMax]),
                        [
                            ["tcp", 1, 21],
                            ["tcp", 23, 65535],
                            ["udp", undefined, undefined],
                            ["icmp", undefined, undefined],
                        ],
                    );
                }
            }
            const glusterMgmt = find(rules, "storage", "tcp", 24007);
            assert.deepStrictEqual(
                glusterMgmt.map((r) => r.from),
                [{ role: "worker" }, { role: "storage" }],
            );
            assert.strictEqual(glusterMgmt[0].portMax, 24008);
            const bricks = find(rules, "storage", "tcp", 49152);
            assert.deepStrictEqual([bricks[0].portMin, bricks[0].portMax], [49152, 49251]);
            assert.deepStrictEqual(find(rules, "controlPlane", "tcp", 2379)[0].from, { role: "controlPlane" });
            assert.deepStrictEqual(rolesOf(rules).sort(), ["controlPlane", "entry", "storage", "worker"]);
        });
    }

    it("allowed address pairs only in bgp mode", () => {
        assert.strictEqual(needsPodAddressPairs("bgp"), true);
        assert.strictEqual(needsPodAddressPairs("vxlan"), false);
        assert.strictEqual(needsPodAddressPairs("ipip"), false);
    });
});

describe("OpenStack provider and SSH probe", () => {
    it("maps config to provider arguments; application credentials drop project scoping", async () => {
        const { openStackProviderArgs } = await import("../../../../components/openstack/provider");
        const { devConfig } = await import("../../fixtures/platformMocks");
        const base = devConfig({
            topology: "docker-vm",
            "openstack.externalNetwork": "public",
            "openstack.sshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIxhuyPpNG3m+Y9Pmb5p0JHu7NFhYHuDHv9pQdm3nxj8 a@b",
            "openstack.adminCidrs": '["198.51.100.0/24"]',
            "openstack.cloud": "mycloud",
            "openstack.region": "RegionOne",
        });
        const args = openStackProviderArgs(base.openstack);
        assert.strictEqual(args.cloud, "mycloud");
        assert.strictEqual(args.region, "RegionOne");
        assert.strictEqual(args.userDomainName, "Default");
        const app = openStackProviderArgs({ ...base.openstack, applicationCredentialId: "app-id" });
        assert.strictEqual(app.applicationCredentialId, "app-id");
        assert.strictEqual(app.tenantName, undefined);
        assert.strictEqual(app.userDomainName, undefined);
    });
    it("the readiness probe uses batch-mode ssh and waits for cloud-init and Docker", async () => {
        const { sshProbeArgs } = await import("../../../../components/openstack/sshReady");
        const args = sshProbeArgs({ user: "ubuntu", host: "203.0.113.7" });
        assert.ok(args.includes("BatchMode=yes") && args.includes("StrictHostKeyChecking=accept-new"));
        assert.strictEqual(args[args.length - 2], "ubuntu@203.0.113.7");
        assert.match(args[args.length - 1], /cloud-init status --wait/);
        assert.match(args[args.length - 1], /docker info/);
        assert.ok(!args.includes("-p"), "port 22 unless given");
        const forwarded = sshProbeArgs({ user: "ubuntu", host: "127.0.0.1", port: 18622 });
        assert.deepStrictEqual(forwarded.slice(-4, -1), ["-p", "18622", "ubuntu@127.0.0.1"]);
    });
});
