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

function typeLabel(type, translate) {
  const plain = type.replace(/^bpmn:/, '').replace(/([a-z])([A-Z])/g, '$1 $2');
  return translate(plain.charAt(0) + plain.slice(1).toLowerCase());
}

function describe(element, translate) {
  return { id: element.id, type: typeLabel(element.$type, translate), name: element.name || '' };
}

// { added: [...], removed: [...], changed: [{..., attributes: [label…]}], layoutOnly: n }
export async function semanticDiff(oldXml, newXml, translate) {
  const changes = diff(await read(oldXml), await read(newXml));
  const keep = element => element && element.$type && !HIDDEN.test(element.$type);
  const added = Object.values(changes._added).filter(keep).map(e => describe(e, translate));
  const removed = Object.values(changes._removed).filter(keep).map(e => describe(e, translate));
  const changed = Object.values(changes._changed).filter(entry => keep(entry.model)).map(entry => ({
    ...describe(entry.model, translate),
    attributes: [ ...new Set(Object.keys(entry.attrs).map(attr => translate(ATTRIBUTE_LABELS[attr.replace(/^\w+:/, '')]
      || attr.replace(/^\w+:/, '')))) ]
  }));
  const layoutOnly = Object.keys(changes._layoutChanged).filter(id => !changes._changed[id]).length;
  return { added, removed, changed, layoutOnly };
}
