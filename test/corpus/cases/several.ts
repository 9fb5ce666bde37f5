/** Packs broken in many places at once: every problem is reported, in every file, not the first. */
import { diag, yaml, type CorpusCase } from "../workspace.js"

export const severalCases: ReadonlyArray<CorpusCase> = [
  {
    name: "every-file-of-a-pack-broken-differently",
    files: {
      "p/pack.yaml": 'ref: p\nversion: "1"\ndependencies: [core, utils]\n',
      "p/actions/hello.yaml": yaml`
        ref: p.hello
        entry_point: hello.sh
        runner_typ: shell
        parameters:
          name: {type: string, required: true, position: 1}
          loud: {type: boolean, default: "yes", position: 3}
      `,
      "p/triggers/push.yaml": yaml`
        ref: p.push
        parameters:
          branch: {type: string, secret: true, default: main}
      `,
      "p/sensors/push.yaml": yaml`
        ref: p.push_sensor
        runner_type: python
        entry_point: push.py
        trigger_types: [push, pull]
      `,
      "p/rules/on_push.yaml": yaml`
        ref: p.on_push
        trigger_ref: push
        action_ref: helo
        conditions: [{field: branch, operator: matches, value: main}]
      `,
      "p/workflows/release.yaml": yaml`
        ref: p.release
        tasks:
          - name: tag
            action: hello
            input: {name: "{{ parameters.version }"}
            next: [{do: publish}]
      `,
    },
    expect: [
      diag("PS4010", "p/pack.yaml", 2, 10),
      diag("PS3004", "p/pack.yaml", 3, 22),
      diag("PS2001", "p/actions/hello.yaml", 3, 1, { hint: 'did you mean "runner_type"?' }),
      diag("PS4007", "p/actions/hello.yaml", 6, 34),
      diag("PS4005", "p/actions/hello.yaml", 6, 51, { message: /gap \(expected 2\)/ }),
      diag("PS4008", "p/triggers/push.yaml", 3, 49),
      diag("PS4001", "p/sensors/push.yaml", 3, 14),
      diag("PS3002", "p/sensors/push.yaml", 4, 23),
      diag("PS3003", "p/rules/on_push.yaml", 3, 13, { hint: 'did you mean "p.hello"?' }),
      diag("PS4025", "p/rules/on_push.yaml", 4, 40),
      diag("PS4018", "p/workflows/release.yaml", 5, 19),
      diag("PS4016", "p/workflows/release.yaml", 6, 17),
    ],
  },
  {
    name: "syntax-error-in-one-file-hides-nothing-in-others",
    files: {
      "p/actions/bad.yaml": "ref: p.bad\nentry_point: [hello.sh\n",
      "p/actions/worse.yaml": "ref: p.worse\nentry_point: hello.sh\ntimeout: 0\n",
      "p/rules/r.yaml": yaml`
        ref: p.r
        trigger_ref: core.intervaltimer
        action_ref: p.bad
      `,
    },
    // p.bad never decoded; the rule's reference to it is not reported as well: the action is there, broken.
    expect: [
      diag("PS1003", "p/actions/bad.yaml", 3, 1),
      diag("PS2004", "p/actions/worse.yaml", 3, 10),
    ],
  },
  {
    name: "standalone-workflow-ref-taken-by-an-action",
    files: {
      "p/workflows/hello.yaml": yaml`
        ref: p.hello
        tasks:
          - name: greet
            action: core.echo
            input: {message: hi}
      `,
    },
    expect: [diag("PS4009", "p/workflows/hello.yaml", 1, 6)],
  },
  {
    name: "one-parameter-map-with-every-kind-of-mistake",
    files: {
      "p/actions/a.yaml": yaml`
        ref: p.a
        entry_point: hello.sh
        parameters:
          mode: {type: string, immutable: true}
          level: {type: integer, enum: [1, 2, 3], default: 4, position: 0}
          verbose: {type: bool, position: 0}
          password: {type: string, secret: true, default: letmein}
          pattern: {type: string, pattern: "*.log"}
          extra: {type: string, descripton: typo}
      `,
    },
    expect: [
      diag("PS4006", "p/actions/a.yaml", 4, 9),
      diag("PS4007", "p/actions/a.yaml", 5, 52),
      diag("PS2006", "p/actions/a.yaml", 6, 19),
      diag("PS4005", "p/actions/a.yaml", 6, 35),
      diag("PS4008", "p/actions/a.yaml", 7, 51),
      diag("PS4019", "p/actions/a.yaml", 8, 36),
      diag("PS2001", "p/actions/a.yaml", 9, 25, { hint: 'did you mean "description"?' }),
    ],
  },
]
