/**
 * One security group per role with the rules of a rule table (securityRules.ts). Rules are named
 * by a hash of their content so that editing the table replaces only the rules that changed.
 */
import * as crypto from "crypto";
import * as openstack from "@pulumi/openstack";
import * as pulumi from "@pulumi/pulumi";
import type { Role, RuleSpec } from "./securityRules";
import { rolesOf } from "./securityRules";

export interface SecurityGroupsArgs {
    rules: readonly RuleSpec[];
    provider: openstack.Provider;
    namePrefix: string;
}

/** Stable short name of a rule. */
export function ruleKey(rule: RuleSpec): string {
    return crypto
        .createHash("sha256")
        .update(JSON.stringify([rule.role, rule.protocol, rule.portMin, rule.portMax, rule.from]))
        .digest("hex")
        .slice(0, 10);
}

export class SecurityGroups extends pulumi.ComponentResource {
    readonly groupIds: Readonly<Partial<Record<Role, pulumi.Output<string>>>>;

    constructor(name: string, args: SecurityGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("jupyterhub-platform:openstack:SecurityGroups", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const groups: Partial<Record<Role, openstack.networking.SecGroup>> = {};
        for (const role of rolesOf(args.rules)) {
            groups[role] = new openstack.networking.SecGroup(
                `${name}-${role}`,
                { name: `${args.namePrefix}-${role}`, description: `jupyterhub-platform ${role} (managed by Pulumi)` },
                child,
            );
        }
        const seen = new Set<string>();
        for (const rule of args.rules) {
            const key = `${name}-${rule.role}-${ruleKey(rule)}`;
            if (seen.has(key)) {
                continue;
            }
            seen.add(key);
            new openstack.networking.SecGroupRule(
                key,
                {
                    securityGroupId: groups[rule.role]!.id,
                    description: rule.description,
                    direction: "ingress",
                    ethertype: "IPv4",
                    protocol: rule.protocol,
                    portRangeMin: rule.portMin,
                    portRangeMax: rule.portMax,
                    remoteIpPrefix: "cidr" in rule.from ? rule.from.cidr : undefined,
                    remoteGroupId: "role" in rule.from ? groups[rule.from.role]!.id : undefined,
                },
                // Every field of a rule forces a replacement, and Neutron refuses a second rule that
                // differs only in its description (409 SecurityGroupRuleExists): the old rule must go
                // before its replacement is created.
                { ...child, deleteBeforeReplace: true },
            );
        }
        const ids: Partial<Record<Role, pulumi.Output<string>>> = {};
        for (const [role, g] of Object.entries(groups) as [Role, openstack.networking.SecGroup][]) {
            ids[role] = g.id;
        }
        this.groupIds = ids;
        this.registerOutputs({ groupIds: ids });
    }
}
