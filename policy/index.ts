/**
 * jupyterhub-platform's CrossGuard policy pack: `pulumi preview --policy-pack policy`.
 * The rules are pure functions in ./rules.ts (unit tests: test/unit/policy/); this file only
 * hands each resource to them. The stack's configuration comes from the engine (the language
 * host passes it to the pack in PULUMI_CONFIG); secret-ness of properties from ./secrets.ts.
 */
import { PolicyPack, type ResourceValidationPolicy } from "@pulumi/policy";
import { RULES, type StackContext } from "./rules";
import { secretPathsOf, trackSecrets } from "./secrets";

trackSecrets();

function stackContext(): StackContext {
    const raw = process.env.PULUMI_CONFIG;
    let config: Record<string, string> = {};
    if (raw) {
        const parsed: unknown = JSON.parse(raw);
        if (parsed !== null && typeof parsed === "object") config = parsed as Record<string, string>;
    }
    return { config };
}

const stack = stackContext();

const policies: ResourceValidationPolicy[] = RULES.map((rule) => ({
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    validateResource: (args, reportViolation) => {
        const violations = rule.check(
            {
                type: args.type,
                name: args.name,
                urn: args.urn,
                props: args.props as Record<string, unknown>,
                protect: args.opts.protect,
                secretPaths: secretPathsOf(args.props),
            },
            stack,
        );
        for (const message of violations) reportViolation(message);
    },
}));

new PolicyPack("jupyterhub-platform", { policies });
