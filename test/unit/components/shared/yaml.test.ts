import * as assert from "assert";
import * as YAML from "yaml";
import { cloudConfig, toYaml, toYamlStream } from "../../../../components/shared/yaml";

describe("yaml emitter", () => {
    it("round-trips nested maps, lists, block scalars and awkward strings", () => {
        const doc = {
            a: 1,
            b: "x: y",
            c: ["p", { k: "v", l: [1, 2], m: "line1\nline2\n" }, []],
            d: { e: true, f: null, skipped: undefined },
            "weird key": "#!/bin/bash\nset -eu\n\n",
            h: [[1, 2], {}],
            i: "a\n\n\nb",
            j: "  leading space\nsecond",
            k: "yes",
            l: "0755",
            m: "trailing \nspace",
        };
        const parsed = YAML.parse(toYaml(doc));
        assert.deepStrictEqual(parsed, JSON.parse(JSON.stringify(doc)));
        assert.strictEqual(parsed.k, "yes", "strings that YAML 1.1 reads as booleans stay strings");
        assert.strictEqual(parsed.l, "0755", "octal-looking strings stay strings");
    });
    it("writes several documents and the cloud-config header", () => {
        assert.strictEqual(YAML.parseAllDocuments(toYamlStream([{ a: 1 }, { b: 2 }])).length, 2);
        assert.ok(cloudConfig({ a: 1 }).startsWith("#cloud-config\na: 1\n"));
    });
});
