/** PS4008, PS4012-PS4014, PS4018, PS4021, PS4025, PS4027: rules against the triggers and actions they use. */
import { diag, yaml, type CorpusCase } from "../workspace.js"

const R = "p/rules/r.yaml"

export const ruleCases: ReadonlyArray<CorpusCase> = [
  {
    name: "interval-timer-unit-and-interval-invalid",
    files: {
      [R]: yaml`
        ref: p.r
        trigger_ref: core.intervaltimer
        trigger_params:
          unit: weeks
          interval: 0
        action_ref: hello
        action_params: {name: timer}
      `,
    },
    expect: [
      diag("PS4012", R, 4, 9),
      diag("PS4012", R, 5, 13),
    ],
  },
  {
    name: "interval-timer-fractional-interval",
    files: {
      [R]: yaml`
        ref: p.r
        trigger_ref: core.intervaltimer
        trigger_params: {unit: minutes, interval: 1.5}
        action_ref: hello
        action_params: {name: timer}
      `,
    },
    expect: [diag("PS4012", R, 3, 43)],
  },
  {
    name: "cron-expression-with-seven-fields",
    files: {
      [R]: yaml`
        ref: p.r
        trigger_ref: core.crontimer
        trigger_params:
          expression: "0 0 * * * * 2030"
        action_ref: hello
        action_params: {name: cron}
      `,
    },
    expect: [diag("PS4013", R, 4, 15, { message: /expected 5 or 6 fields, got 7/ })],
  },
  {
    name: "cron-field-out-of-range-and-unknown-zone",
    files: {
      [R]: yaml`
        ref: p.r
        trigger_ref: core.crontimer
        trigger_params:
          expression: "0 61 * * * *"
          timezone: Mars/Olympus_Mons
        action_ref: hello
        action_params: {name: cron}
      `,
    },
    expect: [diag("PS4013", R, 4, 15), diag("PS4013", R, 5, 13)],
  },
  {
    name: "cron-timer-without-expression",
    files: {
      [R]: yaml`
        ref: p.r
        trigger_ref: core.crontimer
        trigger_params: {timezone: UTC}
        action_ref: hello
        action_params: {name: cron}
      `,
    },
    expect: [diag("PS4013", R, 3, 17)],
  },
  {
    name: "datetime-timer-fire-at-not-a-date-or-impossible",
    files: {
      [R]: yaml`
        ref: p.r
        trigger_ref: core.datetimetimer
        trigger_params:
          fire_at: next tuesday
        action_ref: hello
        action_params: {name: once}
      `,
      "p/rules/r2.yaml": yaml`
        ref: p.r2
        trigger_ref: core.datetimetimer
        trigger_params:
          fire_at: "2030-02-30T09:00:00Z"
        action_ref: hello
        action_params: {name: once}
      `,
      "p/rules/r3.yaml": yaml`
        ref: p.r3
        trigger_ref: core.datetimetimer
        trigger_params:
          fire_at: "2030-06-15T15:00:00"
          timezone: America/New_York
        action_ref: hello
        action_params: {name: once}
      `,
    },
    // A local time is fine: the timer reads it in `timezone`.
    expect: [diag("PS4014", R, 4, 12), diag("PS4014", "p/rules/r2.yaml", 4, 12)],
  },
  {
    name: "trigger-params-against-a-pack-trigger-schema",
    files: {
      "p/triggers/disk.yaml": yaml`
        ref: p.disk
        parameters:
          mount: {type: string, required: true}
          threshold: {type: integer, minimum: 1, maximum: 100}
      `,
      [R]: yaml`
        ref: p.r
        trigger_ref: disk
        trigger_params:
          mount: /var
          threshold: 250
        action_ref: hello
        action_params: {name: disk}
      `,
    },
    expect: [diag("PS4021", R, 5, 14)],
  },
  {
    name: "trigger-params-missing-a-required-key",
    files: {
      "p/triggers/disk.yaml": yaml`
        ref: p.disk
        parameters:
          mount: {type: string, required: true}
      `,
      [R]: yaml`
        ref: p.r
        trigger_ref: disk
        trigger_params: {}
        action_ref: hello
        action_params: {name: disk}
      `,
    },
    expect: [diag("PS4021", R, 3, 17)],
  },
  {
    name: "rule-omits-a-required-action-parameter",
    files: {
      [R]: yaml`
        ref: p.r
        trigger_ref: core.intervaltimer
        trigger_params: {unit: seconds, interval: 10}
        action_ref: hello
        action_params:
          greeting: hi
      `,
    },
    expect: [diag("PS4027", R, 6, 3, { message: /"name"/ })],
  },
  {
    name: "rule-writes-a-secret-action-parameter",
    files: {
      [R]: yaml`
        ref: p.r
        trigger_ref: core.intervaltimer
        action_ref: core.http_request
        action_params:
          url: https://example.com/hook
          auth_token: abc123
      `,
    },
    expect: [diag("PS4008", R, 6, 15)],
  },
  {
    name: "rule-condition-with-unknown-operator",
    files: {
      [R]: yaml`
        ref: p.r
        trigger_ref: core.intervaltimer
        action_ref: hello
        action_params: {name: x}
        conditions:
          - field: interval_seconds
            operator: greater_than
            value: 10
      `,
    },
    expect: [diag("PS4025", R, 7, 15)],
  },
  {
    name: "unbalanced-templates-in-a-rule",
    files: {
      [R]: yaml`
        ref: p.r
        trigger_ref: core.intervaltimer
        action_ref: hello
        action_params:
          name: "{{ event.payload.host }"
        conditions:
          expression: "{{ event.payload.count > 3"
      `,
    },
    expect: [diag("PS4018", R, 5, 9), diag("PS4018", R, 7, 15)],
  },
]
