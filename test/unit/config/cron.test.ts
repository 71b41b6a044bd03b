/** The five-field cron grammar shared with the backup runner (images/hub/platform_backup.py). */
import { strict as assert } from "assert";
import { cronMatches, longestCronGapSeconds, parseCron, type CronSchedule } from "../../../config/cron";

function schedule(expr: string): CronSchedule {
    const p = parseCron(expr);
    assert.ok(p.ok, p.ok ? "" : p.error);
    return p.schedule;
}

const at = (iso: string): Date => new Date(iso);

describe("config: cron", () => {
    it("matches minutes, hours, steps, ranges and lists", () => {
        const s = schedule("*/20 8-10,14 * * *");
        assert.ok(cronMatches(s, at("2026-01-05T08:40:00Z")));
        assert.ok(cronMatches(s, at("2026-01-05T14:00:59Z")));
        assert.ok(!cronMatches(s, at("2026-01-05T11:00:00Z")));
        assert.ok(!cronMatches(s, at("2026-01-05T08:41:00Z")));
    });

    it("day of month OR day of week when both are restricted (Vixie cron)", () => {
        const s = schedule("0 0 1 * 1");
        assert.ok(cronMatches(s, at("2026-01-01T00:00:00Z"))); // a Thursday, the 1st
        assert.ok(cronMatches(s, at("2026-01-05T00:00:00Z"))); // a Monday
        assert.ok(!cronMatches(s, at("2026-01-06T00:00:00Z")));
    });

    it("a step from a start value runs to the field's end", () => {
        const s = schedule("5/30 * * * *");
        assert.deepEqual([...s.minutes], [5, 35]);
    });

    it("Sunday is 0 and 7", () => {
        assert.ok(cronMatches(schedule("0 0 * * 7"), at("2026-01-04T00:00:00Z")));
        assert.ok(cronMatches(schedule("0 0 * * 0"), at("2026-01-04T00:00:00Z")));
    });

    for (const [expr, says] of [
        ["* * * *", /4 field/],
        ["60 * * * *", /minute field "60" is outside 0-59/],
        ["* * 0 * *", /day of month field "0"/],
        ["*/0 * * * *", /step below 1/],
        ["5-1 * * * *", /outside/],
        ["mon * * * *", /not a number/],
    ] as const) {
        it(`rejects ${JSON.stringify(expr)}`, () => {
            const p = parseCron(expr);
            assert.ok(!p.ok && says.test(p.error), p.ok ? "accepted" : p.error);
        });
    }

    it("longest gap: hourly 3600 s, irregular lists their widest gap", () => {
        assert.equal(longestCronGapSeconds(schedule("0 * * * *")), 3600);
        assert.equal(longestCronGapSeconds(schedule("0 6,9 * * *")), 21 * 3600);
    });
});
