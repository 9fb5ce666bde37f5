/** The invalid-pack corpus: every case, grouped by what it breaks. */
import type { CorpusCase } from "../workspace.js"
import { agentCases } from "./agents.js"
import { decodeCases } from "./decode.js"
import { encodingCases } from "./encoding.js"
import { fileCases } from "./files.js"
import { hintCases } from "./hints.js"
import { linkCases } from "./link.js"
import { parameterCases } from "./parameters.js"
import { parseCases } from "./parse.js"
import { recoveryCases } from "./recovery.js"
import { ruleCases } from "./rules.js"
import { severalCases } from "./several.js"
import { workflowCases } from "./workflows.js"

export const CASES: ReadonlyArray<CorpusCase> = [
  ...parseCases, ...encodingCases, ...decodeCases, ...linkCases, ...fileCases, ...parameterCases,
  ...ruleCases, ...workflowCases, ...agentCases, ...severalCases, ...recoveryCases, ...hintCases,
]
