/** PS4015-PS4018, PS4027, PS4028: workflow graphs, their transitions and the inputs tasks give actions. */
import { diag, yaml, type CorpusCase } from "../workspace.js"

const W = "p/workflows/w.yaml"

export const workflowCases: ReadonlyArray<CorpusCase> = [
  {
    name: "duplicate-task-names",
    files: {
      [W]: yaml`
        ref: p.w
        tasks:
          - name: build
            action: core.noop
            next: [{do: build_again}]
          - name: build_again
            action: core.noop
          - name: build
            action: core.noop
      `,
    },
    expect: [diag("PS4015", W, 8, 11)],
  },
  {
    name: "transition-to-a-missing-task",
    files: {
      [W]: yaml`
        ref: p.w
        tasks:
          - name: build
            action: core.noop
            next:
              - when: "{{ succeeded() }}"
                do: [test, deploy]
          - name: test
            action: core.noop
      `,
    },
    expect: [diag("PS4016", W, 7, 20, { hint: "tasks: test" })],
  },
  {
    name: "legacy-on-failure-to-a-missing-task",
    files: {
      [W]: yaml`
        ref: p.w
        tasks:
          - name: build
            action: core.noop
            on_success: publish
            on_failure: notify
          - name: publish
            action: core.noop
      `,
    },
    expect: [diag("PS4016", W, 6, 17)],
  },
  {
    name: "task-nothing-leads-to",
    files: {
      [W]: yaml`
        ref: p.w
        tasks:
          - name: start
            action: core.noop
            next: [{do: finish}]
          - name: finish
            action: core.noop
          - name: forgotten
            action: core.noop
            next: [{do: finish}]
          - name: cycle_a
            action: core.noop
            next: [{do: cycle_b}]
          - name: cycle_b
            action: core.noop
            next: [{do: cycle_a}]
      `,
    },
    // `forgotten` has no inbound transition, so it is an entry task; the cycle has no way in.
    expect: [diag("PS4017", W, 11, 11), diag("PS4017", W, 14, 11)],
  },
  {
    name: "workflow-without-tasks",
    files: { [W]: "ref: p.w\ntasks: []\n" },
    expect: [diag("PS4028", W, 2, 8)],
  },
  {
    name: "unbalanced-templates-in-a-workflow",
    files: {
      [W]: yaml`
        ref: p.w
        vars:
          target: "{{ parameters.env"
        tasks:
          - name: greet
            action: core.echo
            input:
              message: "{{ workflow.target }"
            when: "{{ parameters.enabled }}"
        output_map:
          done: "{{ task.greet.result {{ }}"
      `,
    },
    expect: [diag("PS4018", W, 3, 11), diag("PS4018", W, 8, 16), diag("PS4018", W, 11, 9)],
  },
  {
    name: "task-omits-a-required-input",
    files: {
      [W]: yaml`
        ref: p.w
        tasks:
          - name: greet
            action: core.echo
            input: {text: hi}
      `,
    },
    expect: [diag("PS4027", W, 5, 12, { message: /"message"/ })],
  },
  {
    name: "task-writes-a-secret-input",
    files: {
      [W]: yaml`
        ref: p.w
        tasks:
          - name: call
            action: core.http_request
            input:
              url: https://example.com
              auth_token: plain-text-token
      `,
    },
    expect: [diag("PS4008", W, 7, 19)],
  },
  {
    name: "graph-file-with-several-errors",
    files: {
      "p/actions/deploy.yaml": "ref: p.deploy\nworkflow_file: workflows/deploy.workflow.yaml\n",
      "p/actions/workflows/deploy.workflow.yaml": yaml`
        version: "1.0"
        tasks:
          - name: plan
            action: hello
            next: [{do: aply}]
          - name: apply
            action: core.sleep
            input: {seconds: "{{ parameters.wait }"}
          - name: plan
            action: core.noop
      `,
    },
    expect: [
      diag("PS4027", "p/actions/workflows/deploy.workflow.yaml", 4, 13, { message: /"name"/ }),
      diag("PS4016", "p/actions/workflows/deploy.workflow.yaml", 5, 17, { hint: 'did you mean "apply"?' }),
      diag("PS4018", "p/actions/workflows/deploy.workflow.yaml", 8, 22),
      diag("PS4015", "p/actions/workflows/deploy.workflow.yaml", 9, 11),
    ],
  },
]
