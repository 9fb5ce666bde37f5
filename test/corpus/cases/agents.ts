/** PS4002, PS4008, PS4010, PS4014, PS4022-PS4024: runtime profiles and agent manifests. */
import { diag, yaml, type CorpusCase } from "../workspace.js"

const P = "p/profiles/prof.yaml"
const G = "p/agents/bot.yaml"

export const agentCases: ReadonlyArray<CorpusCase> = [
  {
    name: "profile-command-with-arguments",
    files: {
      [P]: yaml`
        ref: p.prof
        runtime: python
        command_name: python3 -X utf8
        fixed_args: ["-u", ""]
      `,
    },
    expect: [diag("PS4022", P, 3, 15), diag("PS4022", P, 4, 20)],
  },
  {
    name: "profile-env-holding-a-secret",
    files: {
      [P]: yaml`
        ref: p.prof
        runtime: core.nodejs
        command_name: node
        env:
          NODE_ENV: production
          NPM_TOKEN: npm_abc123
          GITHUB_TOKEN: "secret:github"
      `,
    },
    expect: [diag("PS4008", P, 6, 14)],
  },
  {
    name: "agent-allowlist-policy-without-allowlist",
    files: {
      [G]: yaml`
        apiVersion: scarab/v1
        kind: AgentManifest
        metadata: {name: bot, version: 1.0.0}
        spec:
          trust_level: sandboxed
          capabilities: [net.http]
          network:
            policy: allowlist
      `,
    },
    expect: [diag("PS4023", G, 8, 5)],
  },
  {
    name: "agent-allowlist-entries-and-policy-disagree",
    files: {
      [G]: yaml`
        apiVersion: scarab/v1
        kind: AgentManifest
        metadata: {name: bot, version: 1.0.0}
        spec:
          trust_level: sandboxed
          capabilities: [net.http]
          network:
            policy: none
            allowlist: ["api.example.com:443", "example.org"]
      `,
    },
    expect: [diag("PS4023", G, 9, 5), diag("PS4023", G, 9, 40)],
  },
  {
    name: "agent-manifest-with-several-errors",
    files: {
      [G]: yaml`
        apiVersion: scarab/v1
        kind: AgentManifest
        metadata:
          name: bot
          version: v1
        spec:
          trust_level: trusted
          capabilities: [tool.invoke:p.hello]
          runtime: jvm
          command: ../../bin/agent
          secret_policy:
            - label: deploy
              secret_pattern: "deploy/*"
              tool_pattern: "p.*"
              expires_at: "31/12/2030"
      `,
    },
    expect: [
      diag("PS4010", G, 5, 12),
      diag("PS4024", G, 9, 12),
      diag("PS4002", G, 10, 12),
      diag("PS4014", G, 15, 19),
    ],
  },
  {
    name: "agent-wrong-api-version-and-trust-level",
    files: {
      [G]: yaml`
        apiVersion: scarab/v2
        kind: AgentManifest
        metadata: {name: bot, version: 1.0.0}
        spec:
          trust_level: root
          capabilities: []
      `,
    },
    expect: [diag("PS2004", G, 1, 13), diag("PS2004", G, 5, 16)],
  },
]
