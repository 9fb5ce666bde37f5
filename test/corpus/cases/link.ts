/** PS3xxx: references between components, packs and files that do not resolve. */
import { diag, yaml, type CorpusCase } from "../workspace.js"

export const linkCases: ReadonlyArray<CorpusCase> = [
  {
    name: "unknown-runtime-misspelt-alias",
    files: {
      "p/actions/a.yaml": yaml`
        ref: p.a
        runner_type: pyhton
        entry_point: hello.sh
      `,
    },
    expect: [diag("PS3001", "p/actions/a.yaml", 2, 14, { hint: 'did you mean "python" (core.python)?' })],
  },
  {
    name: "unknown-runtime-ref",
    files: {
      "p/actions/a.yaml": yaml`
        ref: p.a
        runner_type: core.pyton
        entry_point: hello.sh
      `,
    },
    expect: [diag("PS3001", "p/actions/a.yaml", 2, 14, { hint: 'did you mean "core.python"?' })],
  },
  {
    name: "unknown-trigger-with-nearest-candidate",
    files: {
      "p/rules/r.yaml": yaml`
        ref: p.r
        trigger_ref: core.intervaltimr
        action_ref: hello
        action_params: {name: world}
      `,
    },
    expect: [diag("PS3002", "p/rules/r.yaml", 2, 14, { hint: 'did you mean "core.intervaltimer"?' })],
  },
  {
    name: "unknown-action-with-nearest-candidate",
    files: {
      "p/rules/r.yaml": yaml`
        ref: p.r
        trigger_ref: core.intervaltimer
        action_ref: helo
      `,
    },
    expect: [diag("PS3003", "p/rules/r.yaml", 3, 13, { hint: 'did you mean "p.hello"?' })],
  },
  {
    name: "action-of-a-pack-not-compiled",
    files: {
      "p/rules/r.yaml": yaml`
        ref: p.r
        trigger_ref: core.intervaltimer
        action_ref: ops.deploy
      `,
    },
    expect: [diag("PS3003", "p/rules/r.yaml", 3, 13, { hint: /pack "ops" is not among the compiled packs/ })],
  },
  {
    name: "sensor-for-unknown-trigger",
    files: {
      "p/sensors/watch.yaml": yaml`
        ref: p.watch
        runner_type: python
        entry_point: watch.py
        trigger_types:
          - core.intervaltimer
          - disk_alrt
      `,
      "p/sensors/watch.py": "print('watching')\n",
      "p/triggers/disk_alert.yaml": "ref: p.disk_alert\n",
    },
    expect: [diag("PS3002", "p/sensors/watch.yaml", 6, 5, { hint: 'did you mean "p.disk_alert"?' })],
  },
  {
    name: "workflow-task-with-unknown-action",
    files: {
      "p/workflows/w.yaml": yaml`
        ref: p.w
        tasks:
          - name: greet
            action: core.ecko
            input: {message: hi}
      `,
    },
    expect: [diag("PS3003", "p/workflows/w.yaml", 4, 13, { hint: 'did you mean "core.echo"?' })],
  },
  {
    name: "queue-dispatching-to-unknown-action",
    files: { "p/queues/inbox.yaml": "ref: p.inbox\ndispatch_action: hullo\n" },
    expect: [diag("PS3003", "p/queues/inbox.yaml", 2, 18, { hint: 'did you mean "p.hello"?' })],
  },
  {
    name: "profile-on-unknown-runtime",
    files: { "p/profiles/py.yaml": "ref: p.py\nruntime: core.pythn\ncommand_name: python3\n" },
    expect: [diag("PS3001", "p/profiles/py.yaml", 2, 10, { hint: 'did you mean "core.python"?' })],
  },
  {
    name: "missing-pack-dependency",
    files: { "p/pack.yaml": 'ref: p\nversion: "1.0.0"\ndependencies: [core, utils]\n' },
    expect: [diag("PS3004", "p/pack.yaml", 3, 22)],
  },
  {
    name: "dependency-misspelt",
    files: { "p/pack.yaml": 'ref: p\nversion: "1.0.0"\ndependencies: [{ref: cor}]\n' },
    expect: [diag("PS3004", "p/pack.yaml", 3, 16, { hint: 'did you mean "core"?' })],
  },
  {
    name: "dependency-version-not-satisfied",
    files: { "p/pack.yaml": 'ref: p\nversion: "1.0.0"\ndependencies: ["core@^2.0.0"]\n' },
    expect: [diag("PS3007", "p/pack.yaml", 3, 16)],
  },
  {
    name: "workflow-file-not-found",
    files: {
      "p/actions/deploy.yaml": "ref: p.deploy\nworkflow_file: workflows/deploy.yaml\n",
      "p/actions/workflows/deploy.workflow.yaml": yaml`
        tasks:
          - name: only
            action: core.noop
      `,
    },
    // The graph the action meant is then linked by nothing.
    expect: [
      diag("PS3005", "p/actions/deploy.yaml", 2, 16, { hint: 'did you mean "workflows/deploy.workflow.yaml"?' }),
      diag("PS3006", "p/actions/workflows/deploy.workflow.yaml", 1, 1),
    ],
  },
  {
    name: "workflow-file-nobody-uses",
    files: {
      "p/actions/workflows/orphan.workflow.yaml": yaml`
        tasks:
          - name: only
            action: core.noop
      `,
    },
    expect: [diag("PS3006", "p/actions/workflows/orphan.workflow.yaml", 1, 1)],
  },
]
