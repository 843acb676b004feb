// The semantic difference between two versions of a diagram (bpmn-js-differ over bpmn-moddle):
// elements added, removed and changed, each named as a designer sees it.
import { BpmnModdle } from 'bpmn-moddle';
import { diff } from 'bpmn-js-differ';
import spiffworkflow from './spiffworkflow.json';

const ATTRIBUTE_LABELS = {
  name: 'Name', conditionExpression: 'Condition', script: 'Script', extensionElements: 'Properties',
  calledElement: 'Called process', eventDefinitions: 'Events', default: 'Default path',
  sourceRef: 'Connections', targetRef: 'Connections', timeDuration: 'Duration', timeDate: 'Date',
  timeCycle: 'Cycle', loopCharacteristics: 'Multi-instance', messageRef: 'Message', flowNodeRef: 'Lane',
  documentation: 'Documentation'
};
const HIDDEN = /^bpmn:(Definitions|Collaboration|LaneSet|ExtensionElements|FormalExpression)$|^bpmndi:|^dc:|^di:|^spiffworkflow:/;

async function read(xml) {
  const moddle = new BpmnModdle({ spiffworkflow });
  const { rootElement } = await moddle.fromXML(xml);
  return rootElement;
}

function words(type) {
  const plain = type.replace(/^bpmn:/, '').replace(/([a-z])([A-Z])/g, '$1 $2');
  return plain.charAt(0) + plain.slice(1).toLowerCase();
}

// 'Timer boundary event' rather than 'Boundary event' when the event has a definition.
export function typeLabel(element, translate) {
  const plain = words(element.$type);
  const definition = (element.eventDefinitions || [])[0];
  if (definition) {
    const specific = definition.$type.replace(/^bpmn:/, '').replace(/EventDefinition$/, '') + ' ' + plain.toLowerCase();
    const translated = translate(specific);
    if (translated !== specific || !/^zh/.test(document.documentElement.lang)) {
      return translated;
    }
  }
  return translate(plain);
}

function describe(element, translate, nameOf) {
  let name = nameOf(element);
  if (!name && element.sourceRef && element.targetRef) {  // a flow: where from, where to
    name = (nameOf(element.sourceRef) || typeLabel(element.sourceRef, translate)) + ' → '
      + (nameOf(element.targetRef) || typeLabel(element.targetRef, translate));
  }
  return { id: element.id, type: typeLabel(element, translate), name };
}

function plainName(element) {
  return element.name || '';
}

// Every element a new process brings: pools, lanes, flow nodes and flows, nested ones too.
function allElements(definitions) {
  const found = [];
  const visit = element => {
    if (!element || typeof element !== 'object' || !element.$type) {
      return;
    }
    if (element.id && !HIDDEN.test(element.$type)) {
      found.push(element);
    }
    [ 'rootElements', 'participants', 'flowElements', 'laneSets', 'lanes', 'childLaneSet' ].forEach(key => {
      const value = element[key];
      (Array.isArray(value) ? value : [ value ]).forEach(visit);
    });
  };
  visit(definitions);
  return found.filter(element => !/^bpmn:(Process|MessageFlow)$/.test(element.$type));
}

export async function everythingNew(xml, translate, nameOf = plainName) {
  const added = allElements(await read(xml)).map(element => describe(element, translate, nameOf));
  return { added, removed: [], changed: [], layoutOnly: 0 };
}

// { added: [...], removed: [...], changed: [{..., attributes: [label…]}], layoutOnly: n }
export async function semanticDiff(oldXml, newXml, translate, nameOf = plainName) {
  const changes = diff(await read(oldXml), await read(newXml));
  const keep = element => element && element.$type && !HIDDEN.test(element.$type);
  const added = Object.values(changes._added).filter(keep).map(e => describe(e, translate, nameOf));
  const removed = Object.values(changes._removed).filter(keep).map(e => describe(e, translate, nameOf));
  const changed = Object.values(changes._changed).filter(entry => keep(entry.model)).map(entry => ({
    ...describe(entry.model, translate, nameOf),
    attributes: [ ...new Set(Object.keys(entry.attrs).map(attr => translate(ATTRIBUTE_LABELS[attr.replace(/^\w+:/, '')]
      || attr.replace(/^\w+:/, '')))) ]
  }));
  const layoutOnly = Object.keys(changes._layoutChanged).filter(id => !changes._changed[id]).length;
  return { added, removed, changed, layoutOnly };
}
