// Reading and writing SpiffWorkflow's extension elements the engine reads:
//   <bpmn:extensionElements>
//     <spiffworkflow:properties><spiffworkflow:property name="…" value="…"/></spiffworkflow:properties>
//     <spiffworkflow:calledDecisionId>…</spiffworkflow:calledDecisionId>   (and other body elements)
// Every change is one command on the command stack (undo takes it back whole).
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

const PROPERTIES = 'spiffworkflow:Properties';

export function processOf(element) {
  const object = getBusinessObject(element);
  if (is(object, 'bpmn:Participant')) {
    return object.processRef || null;
  }
  return is(object, 'bpmn:Process') ? object : null;
}

function extensionValues(object) {
  return (object && object.extensionElements && object.extensionElements.values) || [];
}

export function extensionOf(object, type) {
  return extensionValues(object).find(value => is(value, type)) || null;
}

export function propertyOf(object, name) {
  const properties = extensionOf(object, PROPERTIES);
  const found = properties && (properties.properties || []).find(property => property.name === name);
  return found ? (found.value || '') : '';
}

export function bodyOf(object, type) {
  const found = extensionOf(object, type);
  return found ? (found.value || '') : '';
}

function execute(commandStack, commands) {
  if (commands.length) {
    commandStack.execute('properties-panel.multi-command-executor', commands);
  }
}

function update(element, moddleElement, properties) {
  return { cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } };
}

// The extensionElements of `object`, created (as a command) when missing.
function ensureExtensions(bpmnFactory, element, object, commands) {
  if (object.extensionElements) {
    return object.extensionElements;
  }
  const created = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
  created.$parent = object;
  commands.push(update(element, object, { extensionElements: created }));
  return created;
}

export function setProperty(injector, element, object, name, value) {
  const bpmnFactory = injector.get('bpmnFactory');
  const commands = [];
  const text = (value || '').trim();
  let properties = extensionOf(object, PROPERTIES);
  const current = properties && (properties.properties || []).find(property => property.name === name);
  if (!text) {
    if (current) {
      commands.push(update(element, properties, { properties: properties.properties.filter(p => p !== current) }));
    }
    execute(injector.get('commandStack'), commands);
    return;
  }
  if (current) {
    commands.push(update(element, current, { value: text }));
  } else {
    const extensions = ensureExtensions(bpmnFactory, element, object, commands);
    if (!properties) {
      properties = bpmnFactory.create(PROPERTIES, { properties: [] });
      properties.$parent = extensions;
      commands.push(update(element, extensions, { values: [ ...extensions.get('values'), properties ] }));
    }
    const property = bpmnFactory.create('spiffworkflow:Property', { name, value: text });
    property.$parent = properties;
    commands.push(update(element, properties, { properties: [ ...properties.get('properties'), property ] }));
  }
  execute(injector.get('commandStack'), commands);
}

export function setBody(injector, element, object, type, value) {
  const bpmnFactory = injector.get('bpmnFactory');
  const commands = [];
  const text = (value || '').trim();
  const current = extensionOf(object, type);
  if (!text) {
    if (current) {
      commands.push(update(element, object.extensionElements, {
        values: object.extensionElements.get('values').filter(v => v !== current) }));
    }
  } else if (current) {
    commands.push(update(element, current, { value: text }));
  } else {
    const extensions = ensureExtensions(bpmnFactory, element, object, commands);
    const created = bpmnFactory.create(type, { value: text });
    created.$parent = extensions;
    commands.push(update(element, extensions, { values: [ ...extensions.get('values'), created ] }));
  }
  execute(injector.get('commandStack'), commands);
}

// Select options: a first "choose" option, the known choices, and the current value if it is not
// among them (a name typed elsewhere stays visible instead of silently becoming "choose").
export function choices(placeholder, known, current) {
  const options = [ { value: '', label: placeholder }, ...known ];
  if (current && !known.some(option => option.value === current)) {
    options.push({ value: current, label: current });
  }
  return options;
}
