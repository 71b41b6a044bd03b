import { strict as assert } from "assert";
import { cidrsOverlap, cidrSize, isCidr, parseCidr, type Cidr } from "../../../config/cidr";
import { editDistance, nearestKey } from "../../../config/suggest";
import { CONFIG_KEYS } from "../../../config/schema";

function cidr(text: string): Cidr {
    const c = parseCidr(text);
    assert.ok(isCidr(c), text);
    return c;
}

describe("cidr", () => {
    it("parses and rejects", () => {
        assert.equal(cidrSize(cidr("10.0.0.0/24")), 256);
        assert.equal(cidrSize(cidr("0.0.0.0/0")), 2 ** 32);
        for (const bad of ["10.0.0.0", "10.0.0/24", "256.0.0.0/8", "10.0.0.1/24", "10.0.0.0/33", "10.0.0.0/x"]) {
            assert.ok(!isCidr(parseCidr(bad)), bad);
        }
    });
    it("detects overlap in both directions", () => {
        assert.ok(cidrsOverlap(cidr("10.96.0.0/12"), cidr("10.100.0.0/16")));
        assert.ok(cidrsOverlap(cidr("10.100.0.0/16"), cidr("10.96.0.0/12")));
        assert.ok(!cidrsOverlap(cidr("192.168.0.0/16"), cidr("10.96.0.0/12")));
        assert.ok(!cidrsOverlap(cidr("10.20.0.0/24"), cidr("10.20.1.0/24")));
    });
});

describe("key suggestions", () => {
    const keys = CONFIG_KEYS.map((k) => k.key);
    it("measures edit distance", () => {
        assert.equal(editDistance("kitten", "sitting"), 3);
        assert.equal(editDistance("", "abc"), 3);
    });
    it("suggests near keys and last segments, not unrelated ones", () => {
        assert.equal(nearestKey("hub.domian", keys), "hub.domain");
        assert.equal(nearestKey("Topology", keys), "topology");
        assert.equal(nearestKey("singleuser.memory.limt", keys), "singleuser.memory.limit");
        assert.equal(nearestKey("adminUsers", keys), "hub.adminUsers");
        assert.equal(nearestKey("completely.unrelated.setting", keys), undefined);
    });
});
