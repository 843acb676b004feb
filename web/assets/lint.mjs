// The browser's lint, run on the server: `node lint.mjs < diagram.bpmn` prints the issues as JSON,
// {"issues": [{"id", "message", "category": "error"|"warn", "rule"}], "importWarnings": [...]}, with the
// rules of .bpmnlintrc (bpmnlint's recommended ones and bpmnlint-plugin-sqflow's) and the SpiffWorkflow
// moddle extension the modeler uses, so both read a diagram the same way. Messages are the English keys
// the modeler translates in src/designer/zh.js.
// Several diagrams in one run (what the server's validation does, engine/definitions/lint.py): stdin
// {"files": {"name": "<xml>", ...}} prints {"files": {"name": {"issues", "importWarnings"} | {"error"}}}.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BpmnModdle } from 'bpmn-moddle';

const require = createRequire(import.meta.url);
const { Linter } = require('bpmnlint');
const NodeResolver = require('bpmnlint/lib/resolver/node-resolver');

const here = new URL('.', import.meta.url);
const config = JSON.parse(readFileSync(new URL('.bpmnlintrc', here), 'utf8'));
const spiffworkflow = JSON.parse(readFileSync(new URL('src/designer/spiffworkflow.json', here), 'utf8'));
const resolver = new NodeResolver({ require });

async function lint(xml) {
  const { rootElement, warnings } = await new BpmnModdle({ spiffworkflow }).fromXML(xml);
  // A linter per diagram, as the modeler makes one per check: some rules remember what they saw.
  const results = await new Linter({ config, resolver }).lint(rootElement);
  const issues = [];
  for (const [ rule, reports ] of Object.entries(results)) {
    for (const report of reports) {
      issues.push({ id: report.id, message: report.message, category: report.category, rule });
    }
  }
  return { issues, importWarnings: warnings.map(warning => warning.message) };
}

const input = readFileSync(0, 'utf8');
if (input.trimStart().startsWith('{')) {
  const files = {};
  for (const [ name, xml ] of Object.entries(JSON.parse(input).files || {})) {
    try {
      files[name] = await lint(xml);
    } catch (error) {
      files[name] = { error: String(error && error.message || error) };
    }
  }
  process.stdout.write(JSON.stringify({ files }) + '\n');
} else {
  process.stdout.write(JSON.stringify(await lint(input)) + '\n');
}
