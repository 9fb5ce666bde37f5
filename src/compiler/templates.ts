/** `{{ ... }}` templates: balance checks over every string of a value, and detection of templated values. */
import { finding, pointerJoin, type Finding } from "./Finding.js"

export const isTemplated = (value: unknown): boolean => typeof value === "string" && value.includes("{{")

/** The offset of the first `{{` that is never closed (or is reopened before closing), or -1. */
export const unbalancedAt = (text: string): number => {
  let from = 0
  for (;;) {
    const open = text.indexOf("{{", from)
    if (open === -1) return -1
    const close = text.indexOf("}}", open + 2)
    if (close === -1) return open
    const reopen = text.indexOf("{{", open + 2)
    if (reopen !== -1 && reopen < close) return open
    from = close + 2
  }
}

/** Reports every string under `value` whose templates are unbalanced. */
export const checkTemplates = (value: unknown, pointer: string, out: Array<Finding>): void => {
  if (typeof value === "string") {
    if (!value.includes("{{")) return
    const at = unbalancedAt(value)
    if (at !== -1) out.push(finding("PS4018", `"{{" at offset ${at} is not closed by "}}"`, pointer))
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => checkTemplates(item, pointerJoin(pointer, i), out))
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) checkTemplates(item, pointerJoin(pointer, key), out)
  }
}
