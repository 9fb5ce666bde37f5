/**
 * The core timer triggers' parameters (Attune §1.5): core.intervaltimer {unit, interval},
 * core.crontimer {expression (5 or 6 fields, seconds first), timezone}, core.datetimetimer {fire_at}.
 */
import { Cron } from "croner"
import { finding, pointerJoin, type Finding } from "./Finding.js"
import { isTemplated } from "./templates.js"

export const INTERVAL_UNITS = ["seconds", "minutes", "hours", "days"] as const

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/

export const isIsoDateTime = (value: string): boolean => ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value))

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
      else if (!isTemplated(fireAt) && !(typeof fireAt === "string" && isIsoDateTime(fireAt))) {
        out.push(finding("PS4014", `fire_at must be an ISO 8601 date-time with a zone, got ${JSON.stringify(fireAt)}`, at("fire_at")))
      }
      const timezone = params["timezone"]
      if (has("timezone") && !isTemplated(timezone) && !(typeof timezone === "string" && isTimeZone(timezone))) {
        out.push(finding("PS4014", `unknown time zone ${JSON.stringify(timezone)}`, at("timezone")))
      }
      return
    }
  }
}
