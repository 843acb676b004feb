// Adds BPMN DI (the drawing) to diagrams that have none, so bpmn-js can show them.
//
//   node web/assets/layout.mjs bpmn/work_order.bpmn [more.bpmn ...]   (in place)
//   node web/assets/layout.mjs - < in.bpmn > out.bpmn                  (the designer's auto-layout)
//
// bpmn-auto-layout computes the layout; only its <bpmndi:BPMNDiagram> elements are inserted into
// the original file, so the process itself (lanes, spiffworkflow extensions, scripts) stays byte
// for byte as it was. Needs `npm ci` in web/assets (`make setup` runs it).
import { readFile, writeFile } from 'node:fs/promises';

const { layoutProcess } = await import(
  new URL('./node_modules/bpmn-auto-layout/dist/index.js', import.meta.url));

const NAMESPACES = {
  bpmndi: 'http://www.omg.org/spec/BPMN/20100524/DI',
  dc: 'http://www.omg.org/spec/DD/20100524/DC',
  di: 'http://www.omg.org/spec/DD/20100524/DI',
};

function prefixOf(xml, uri) {
  const match = xml.match(new RegExp(`xmlns:([\\w.-]+)="${uri.replace(/[./]/g, '\\$&')}"`));
  return match ? match[1] : null;
}

async function withLayout(path, original) {
  const laidOut = await layoutProcess(original);
  // The generated file names the DI namespaces with its own prefixes; keep them as they are.
  const diagrams = laidOut.match(/<(\w+):BPMNDiagram[\s\S]*<\/\1:BPMNDiagram>/);
  if (!diagrams) {
    throw new Error(`${path}: bpmn-auto-layout produced no BPMNDiagram`);
  }
  const declarations = [];
  for (const [name, uri] of Object.entries(NAMESPACES)) {
    const prefix = prefixOf(laidOut, uri) || name;
    const existing = prefixOf(original, uri);
    if (existing && existing !== prefix) {
      throw new Error(`${path}: ${uri} is already bound to ${existing}, not ${prefix}`);
    }
    if (!existing) {
      declarations.push(`xmlns:${prefix}="${uri}"`);
    }
  }
  let result = original.replace(/<([\w.-]+:)?definitions\b/, (tag) => `${tag} ${declarations.join(' ')}`);
  const closing = result.lastIndexOf('</');
  return `${result.slice(0, closing)}  ${diagrams[0]}\n${result.slice(closing)}`;
}

async function layoutFile(path) {
  const original = await readFile(path, 'utf8');
  if (/BPMNDiagram[\s>]/.test(original)) {
    console.log(`${path}: has a layout already, left as it is`);
    return;
  }
  await writeFile(path, await withLayout(path, original));
  console.log(`${path}: layout added`);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

if (process.argv[2] === '-') {
  process.stdout.write(await withLayout('<stdin>', await readStdin()));
} else {
  for (const path of process.argv.slice(2)) {
    await layoutFile(path);
  }
}
