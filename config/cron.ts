/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), the grammar the backup
 * runner (images/hub/platform_backup.py) understands, checked here before anything is deployed.
 * Each field is `*`, a number, a range `a-b`, any of those with a step `/n`, or a comma list of
 * them. Day of week 0-7 (0 and 7 are Sunday). Names (`mon`, `jan`) and `@daily` are not accepted:
 * the runner and Kubernetes' CronJob must read the expression the same way, and numbers are the
 * part both share. As in Vixie cron, when both day fields are restricted a day matches either.
 */

interface FieldSpec {
    name: string;
    min: number;
    max: number;
}

export const CRON_FIELDS: readonly FieldSpec[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12 },
    { name: "day of week", min: 0, max: 7 },
];

export const CRON_ALLOWED =
    "five fields `minute hour day-of-month month day-of-week` of numbers, `*`, ranges `a-b`, steps `/n` and comma lists (e.g. `17 3 * * *`)";

export interface CronSchedule {
    minutes: ReadonlySet<number>;
    hours: ReadonlySet<number>;
    days: ReadonlySet<number>;
    months: ReadonlySet<number>;
    /** 0-6, Sunday 0 (7 folded into 0). */
    weekdays: ReadonlySet<number>;
    dayRestricted: boolean;
    weekdayRestricted: boolean;
}

export type CronParse = { ok: true; schedule: CronSchedule } | { ok: false; error: string };

function parseField(text: string, spec: FieldSpec): Set<number> | string {
    const values = new Set<number>();
    for (const part of text.split(",")) {
        const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
        if (!m) {
            return `${spec.name} field "${part}" is not a number, *, a range a-b or a step /n`;
        }
        let lo = spec.min;
        let hi = spec.max;
        if (m[1] !== "*") {
            lo = Number(m[2]);
            hi = m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? spec.max : lo;
        }
        const step = m[4] !== undefined ? Number(m[4]) : 1;
        if (lo < spec.min || hi > spec.max || lo > hi) {
            return `${spec.name} field "${part}" is outside ${spec.min}-${spec.max}`;
        }
        if (step < 1) {
            return `${spec.name} field "${part}" has a step below 1`;
        }
        for (let v = lo; v <= hi; v += step) {
            values.add(v);
        }
    }
    return values;
}

export function parseCron(expression: string): CronParse {
    const fields = expression.trim().split(/\s+/);
    if (fields.length !== 5) {
        return { ok: false, error: `${fields.length} field(s), a cron expression has 5` };
    }
    const sets: Set<number>[] = [];
    for (let i = 0; i < 5; i++) {
        const parsed = parseField(fields[i], CRON_FIELDS[i]);
        if (typeof parsed === "string") {
            return { ok: false, error: parsed };
        }
        sets.push(parsed);
    }
    const weekdays = new Set([...sets[4]].map((d) => d % 7));
    return {
        ok: true,
        schedule: {
            minutes: sets[0],
            hours: sets[1],
            days: sets[2],
            months: sets[3],
            weekdays,
            dayRestricted: fields[2] !== "*",
            weekdayRestricted: fields[4] !== "*",
        },
    };
}

/** Whether the schedule fires in the minute of `t` (UTC, as the runner and CronJobs use). */
export function cronMatches(s: CronSchedule, t: Date): boolean {
    if (!s.minutes.has(t.getUTCMinutes()) || !s.hours.has(t.getUTCHours()) || !s.months.has(t.getUTCMonth() + 1)) {
        return false;
    }
    const dom = s.days.has(t.getUTCDate());
    const dow = s.weekdays.has(t.getUTCDay());
    if (s.dayRestricted && s.weekdayRestricted) {
        return dom || dow;
    }
    return (s.dayRestricted ? dom : true) && (s.weekdayRestricted ? dow : true);
}

/**
 * The longest gap between two runs, in seconds, over a year from `from`: a backup older than
 * twice this is overdue (the hub's admin banner). Undefined when the schedule never fires (e.g.
 * 30 February).
 */
export function longestCronGapSeconds(s: CronSchedule, from = new Date(Date.UTC(2025, 0, 1))): number | undefined {
    const dayMinutes: number[] = [];
    for (const h of [...s.hours].sort((a, b) => a - b)) {
        for (const m of [...s.minutes].sort((a, b) => a - b)) {
            dayMinutes.push(h * 60 + m);
        }
    }
    const firstDay = Math.floor(from.getTime() / 86_400_000);
    let previous: number | undefined;
    let longest = 0;
    // A year and a week of days: covers every month and weekday combination. Days are checked
    // once; within a matching day the runs are the hour x minute grid.
    for (let day = firstDay; day < firstDay + 372; day++) {
        if (!cronMatches(s, new Date(day * 86_400_000 + dayMinutes[0] * 60_000))) {
            continue;
        }
        for (const dm of dayMinutes) {
            const minute = day * 1440 + dm;
            if (previous !== undefined) {
                longest = Math.max(longest, minute - previous);
            }
            previous = minute;
        }
    }
    return previous === undefined ? undefined : longest === 0 ? 372 * 24 * 3600 : longest * 60;
}
