/**
 * A part that does not decode is left out, and everything else is still checked: the faulty task, list element
 * or mapping member alone, never its siblings. Nothing is reported as missing because it was left out.
 */
import { diag, yaml, type CorpusCase } from "../workspace.js"

const W = "p/workflows/w.yaml"

export const recoveryCases: ReadonlyArray<CorpusCase> = [
  {
    name: "task-that-does-not-decode-beside-a-task-with-an-undefined-action",
    files: {
      [W]: yaml`
        ref: p.w
        tasks:
          - name: first
            actoin: hello
            input: {name: x}
          - name: second
            action: p.nowhere
      `,
    },
    // The first task is left out; the second is still linked, and reported where it is written.
    expect: [
      diag("PS2002", W, 3, 5, { message: /"action"/ }),
      diag("PS2001", W, 4, 5, { hint: 'did you mean "action"?' }),
      diag("PS3003", W, 7, 13, { message: /p\.nowhere/ }),
    ],
  },
  {
    name: "task-member-that-does-not-decode-leaves-the-task",
    files: {
      [W]: yaml`
        ref: p.w
        tasks:
          - name: first
            action: hello
            input: {name: x}
            delay: soon
            next: [{do: second}]
          - name: second
            action: helo
      `,
    },
    // Only `delay` is left out: the task, its transition and the other task's link are all checked.
    expect: [diag("PS2003", W, 6, 12), diag("PS3003", W, 9, 13, { hint: 'did you mean "p.hello"?' })],
  },
  {
    name: "task-left-out-is-not-reported-missing-or-unreached",
    files: {
      [W]: yaml`
        ref: p.w
        tasks:
          - name: first
            action: hello
            input: {name: x}
            next: [{do: [second, nowhere]}]
          - name: second
            action: [hello]
            next: [{do: third}]
          - name: third
            action: hello
            input: {name: y}
      `,
    },
    // "second" is left out: the transition to it and "third" (reached only through it) are not reported;
    // the transition to a task that never existed is.
    expect: [diag("PS2003", W, 8, 13), diag("PS4016", W, 6, 26, { message: /"nowhere"/ })],
  },
  {
    name: "manifest-dependency-that-does-not-decode-beside-a-missing-one",
    files: { "p/pack.yaml": 'ref: p\nversion: "1.0.0"\ndependencies: [core, 7, utils]\n' },
    // `utils` is still looked for, and reported at its own position in the list.
    expect: [diag("PS2003", "p/pack.yaml", 3, 22), diag("PS3004", "p/pack.yaml", 3, 25, { message: /utils/ })],
  },
  {
    name: "manifest-with-one-bad-key-still-describes-its-pack",
    files: { "p/pack.yaml": 'ref: p\nversion: "1.0.0"\nsystem: "no"\ndependencies: [{ref: cor}]\n' },
    expect: [diag("PS2003", "p/pack.yaml", 3, 9), diag("PS3004", "p/pack.yaml", 4, 16, { hint: 'did you mean "core"?' })],
  },
  {
    name: "rule-condition-that-does-not-decode-beside-a-suspect-one",
    files: {
      "p/rules/r.yaml": yaml`
        ref: p.r
        trigger_ref: core.intervaltimer
        action_ref: hello
        action_params: {name: x}
        conditions:
          - {field: a, operator: equls, value: 1}
          - {field: 5, operator: equals}
      `,
    },
    expect: [diag("PS4025", "p/rules/r.yaml", 6, 26), diag("PS2003", "p/rules/r.yaml", 7, 13)],
  },
  {
    name: "rule-action-params-that-do-not-decode-are-not-reported-missing",
    files: {
      "p/rules/r.yaml": yaml`
        ref: p.r
        trigger_ref: core.intervaltimer
        action_ref: hello
        action_params: [name, x]
        enabled: "yes"
      `,
    },
    // Without action_params nothing is given, yet "name" is not reported as missing: it may be in them.
    expect: [diag("PS2003", "p/rules/r.yaml", 4, 16), diag("PS2003", "p/rules/r.yaml", 5, 10)],
  },
  {
    name: "action-with-one-bad-parameter-and-a-bad-key-still-checks-its-rules",
    files: {
      "p/actions/greet.yaml": yaml`
        ref: p.greet
        entry_point: hello.sh
        timeout: soon
        parameters:
          tone: {type: strng}
          who: {type: string, required: true}
      `,
      "p/rules/r.yaml": "ref: p.r\ntrigger_ref: core.intervaltimer\naction_ref: greet\naction_params: {tone: warm}\n",
    },
    expect: [
      diag("PS2003", "p/actions/greet.yaml", 3, 10),
      diag("PS2006", "p/actions/greet.yaml", 5, 16),
      diag("PS4027", "p/rules/r.yaml", 4, 16, { message: /"who"/ }),
    ],
  },
  {
    name: "workflow-file-that-does-not-decode-leaves-its-graph-unlinked-but-not-unused",
    files: {
      "p/actions/deploy.yaml": "ref: p.deploy\nworkflow_file: [workflows/deploy.workflow.yaml]\n",
      "p/actions/workflows/deploy.workflow.yaml": yaml`
        tasks:
          - name: only
            action: core.noop
      `,
    },
    expect: [diag("PS2003", "p/actions/deploy.yaml", 2, 16)],
  },
  {
    name: "standalone-workflow-left-out-is-not-an-undefined-action",
    files: {
      [W]: "ref: p.w\ntasks: 5\n",
      "p/rules/r.yaml": "ref: p.r\ntrigger_ref: core.intervaltimer\naction_ref: w\n",
    },
    expect: [diag("PS2003", W, 2, 8)],
  },
  {
    // A workflow in a form packsmith does not read is not compiled: what runs it is still an undefined action.
    name: "rule-running-a-workflow-in-orquesta-form",
    files: {
      [W]: "ref: p.w\ntasks: {first: {action: hello}}\n",
      "p/rules/r.yaml": "ref: p.r\ntrigger_ref: core.intervaltimer\naction_ref: w\n",
    },
    expect: [diag("PS2013", W, 2, 1), diag("PS3003", "p/rules/r.yaml", 3, 13)],
  },
  {
    name: "action-file-that-does-not-parse-is-not-an-undefined-action",
    files: {
      "p/actions/greet.yaml": "ref: p.greet\nentry_point: hello.sh\nparameters: {who: {type: string}\n",
      "p/rules/r.yaml": "ref: p.r\ntrigger_ref: core.intervaltimer\naction_ref: greet\n",
    },
    expect: [diag("PS1003", "p/actions/greet.yaml", 4, 1)],
  },
  {
    name: "dependency-on-a-pack-whose-manifest-does-not-decode",
    files: {
      "p/pack.yaml": 'ref: p\nversion: "1.0.0"\ndependencies: [core, q]\n',
      "q/pack.yaml": "ref: q\ndescription: no version\n",
      "q/triggers/t.yaml": "ref: q.t\n",
      "p/rules/r.yaml": "ref: p.r\ntrigger_ref: q.t\naction_ref: hello\naction_params: {name: x}\n",
    },
    // q is there, with its own error: p's dependency on it is not reported as missing.
    expect: [diag("PS2002", "q/pack.yaml", 1, 1, { message: /"version"/ })],
  },
]
