// The browser's lint, run on the server: `node lint.mjs < diagram.bpmn` prints the issues as JSON,
// [{"id", "message", "category": "error"|"warn", "rule"}], with the rules of .bpmnlintrc
// (bpmnlint's recommended ones and bpmnlint-plugin-sqflow's) and the SpiffWorkflow moddle
// extension the modeler uses, so both read a diagram the same way. Messages are the English keys
// the modeler translates in src/designer/zh.js.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BpmnModdle } from 'bpmn-moddle';

const require = createRequire(import.meta.url);
const { Linter } = require('bpmnlint');
const NodeResolver = require('bpmnlint/lib/resolver/node-resolver');

const here = new URL('.', import.meta.url);
const config = JSON.parse(readFileSync(new URL('.bpmnlintrc', here), 'utf8'));
const spiffworkflow = JSON.parse(readFileSync(new URL('src/designer/spiffworkflow.json', here), 'utf8'));

const xml = readFileSync(0, 'utf8');
const { rootElement, warnings } = await new BpmnModdle({ spiffworkflow }).fromXML(xml);
const linter = new Linter({ config, resolver: new NodeResolver({ require }) });
const results = await linter.lint(rootElement);
const issues = [];
for (const [ rule, reports ] of Object.entries(results)) {
  for (const report of reports) {
    issues.push({ id: report.id, message: report.message, category: report.category, rule });
  }
}
process.stdout.write(JSON.stringify({ issues, importWarnings: warnings.map(warning => warning.message) }) + '\n');
