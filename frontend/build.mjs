// Build the tab into ../tb_lossdiag/static/index.js (one ES module, CSS inlined),
// (or the path after --outfile), or with --tests, compile the unit tests for
// node's test runner.
// The output depends only on the sources and the locked packages: no
// timestamps, no absolute paths, so the committed bundle can be checked.

import * as esbuild from "esbuild";
import { readdirSync } from "node:fs";

const common = {
  bundle: true,
  format: "esm",
  target: "es2020",
  loader: { ".css": "text" },
  legalComments: "eof",
  logLevel: "warning",
};

if (process.argv.includes("--tests")) {
  const tests = readdirSync("test").filter((f) => f.endsWith(".test.ts")).map((f) => `test/${f}`);
  await esbuild.build({ ...common, entryPoints: tests, outdir: "node_modules/.test-build", platform: "node", outExtension: { ".js": ".mjs" } });
} else {
  const at = process.argv.indexOf("--outfile");
  const outfile = at > 0 ? process.argv[at + 1] : "../tb_lossdiag/static/index.js";
  await esbuild.build({ ...common, entryPoints: ["src/index.ts"], outfile, minify: true, platform: "browser" });
}
