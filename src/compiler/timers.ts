/**
 * The core timer triggers' parameters (Attune §1.5): core.intervaltimer {unit, interval},
 * core.crontimer {expression (5 or 6 fields, seconds first), timezone}, core.datetimetimer {fire_at, timezone}.
 */
import { Cron } from "croner"
import { finding, pointerJoin, type Finding } from "./Finding.js"
import { isTemplated } from "./templates.js"

/** The units the core interval timer sensor understands. */
export const INTERVAL_UNITS = ["seconds", "minutes", "hours"] as const

/** Parameters these checks own; validating them against the trigger's schema as well would report them twice. */
export const TIMER_PARAMETER_KEYS: Readonly<Record<string, ReadonlyArray<string>>> = {
  "core.intervaltimer": ["unit", "interval"],
  "core.crontimer": ["expression", "timezone"],
  "core.datetimetimer": ["fire_at", "timezone"],
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):?(\d{2}))?$/

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const daysIn = (year: number, month: number): number =>
  month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : DAYS_IN_MONTH[month - 1] ?? 0

/**
 * ISO 8601 date-time whose fields name a real instant (no February 30th, no hour 24). `zone: "optional"`
 * also accepts a local time, which the datetime timer reads in its `timezone`.
 */
export const isIsoDateTime = (value: string, zone: "required" | "optional" = "required"): boolean => {
  const m = ISO_DATE_TIME.exec(value)
  if (m === null) return false
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(Number) as [number, number, number, number, number, number]
  if (m[7] === undefined && zone === "required") return false
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return false
  return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month) && hour <= 23 && minute <= 59 && second <= 59
}

/** croner throws on a bad pattern; this returns the reason or undefined. */
const cronProblem = (expression: string): string | undefined => {
  const fields = expression.trim().split(/\s+/).length
  if (fields !== 5 && fields !== 6) return `expected 5 or 6 fields, got ${fields}`
  try {
    new Cron(expression, { paused: true })
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/** Intl throws a RangeError for an unknown time zone. */
const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** Findings for a rule's trigger_params when the trigger is one of the core timers. */
export const checkTimerParameters = (trigger: string, params: Record<string, unknown>, pointer: string, out: Array<Finding>): void => {
  const at = (key: string) => pointerJoin(pointer, key)
  const has = (key: string) => Object.prototype.hasOwnProperty.call(params, key)
  switch (trigger) {
    case "core.intervaltimer": {
      const unit = params["unit"]
      if (has("unit") && !isTemplated(unit) && !(INTERVAL_UNITS as ReadonlyArray<unknown>).includes(unit)) {
        out.push(finding("PS4012", `unit must be one of ${INTERVAL_UNITS.join(", ")}, got ${JSON.stringify(unit)}`, at("unit")))
      }
      const interval = params["interval"]
      if (has("interval") && !isTemplated(interval) && !(typeof interval === "number" && Number.isInteger(interval) && interval > 0)) {
        out.push(finding("PS4012", `interval must be a positive integer, got ${JSON.stringify(interval)}`, at("interval")))
      }
      return
    }
    case "core.crontimer": {
      const expression = params["expression"]
      if (!has("expression")) out.push(finding("PS4013", "a cron timer needs `expression`", pointer))
      else if (typeof expression !== "string") out.push(finding("PS4013", "expression must be a string", at("expression")))
      else if (!isTemplated(expression)) {
        const problem = cronProblem(expression)
        if (problem !== undefined) out.push(finding("PS4013", `invalid cron expression ${JSON.stringify(expression)}: ${problem}`, at("expression")))
      }
      const timezone = params["timezone"]
      if (has("timezone") && !isTemplated(timezone) && !(typeof timezone === "string" && isTimeZone(timezone))) {
        out.push(finding("PS4013", `unknown time zone ${JSON.stringify(timezone)}`, at("timezone")))
      }
      return
    }
    case "core.datetimetimer": {
      const fireAt = params["fire_at"]
      if (!has("fire_at")) out.push(finding("PS4014", "a date-time timer needs `fire_at`", pointer))
      else if (!isTemplated(fireAt) && !(typeof fireAt === "string" && isIsoDateTime(fireAt, "optional"))) {
        out.push(finding("PS4014", `fire_at must be an ISO 8601 date-time, got ${JSON.stringify(fireAt)}`, at("fire_at"),
          { hint: "e.g. 2030-01-01T09:00:00Z, or a local 2030-01-01T09:00:00 read in `timezone`" }))
      }
      const timezone = params["timezone"]
      if (has("timezone") && !isTemplated(timezone) && !(typeof timezone === "string" && isTimeZone(timezone))) {
        out.push(finding("PS4014", `unknown time zone ${JSON.stringify(timezone)}`, at("timezone")))
      }
      return
    }
  }
}
