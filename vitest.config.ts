import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // .ci/run asks for a JSON report too, to print the counts as one plain line.
    reporters: process.env.PACKSMITH_TEST_REPORT
      ? ["default", ["json", { outputFile: process.env.PACKSMITH_TEST_REPORT }]]
      : ["default"],
  },
})
