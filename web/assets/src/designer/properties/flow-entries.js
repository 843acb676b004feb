// Scripts, conditions on flows, timers' next firing times, called processes and decisions, and
// the data a message carries: each written where SpiffWorkflow reads it.
import { h } from '@bpmn-io/properties-panel/preact';
import { CheckboxEntry, SelectEntry, TextFieldEntry } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import { CodeEntry } from './code-entry.js';
import { TimerPreview, timerOf } from './timer-preview.js';
import { bodyOf, choices, setBody } from './extensions.js';

function Script(props) {
  const { element, id } = props;
  const modeling = useService('modeling');
  const translate = useService('translate');
  return h(CodeEntry, {
    element, id, mode: 'exec', label: translate('Script'),
    getValue: () => getBusinessObject(element).script || '',
    setValue: value => modeling.updateProperties(element, { script: value, scriptFormat: value ? 'python' : undefined })
  });
}

function Condition(props) {
  const { element, id } = props;
  const modeling = useService('modeling');
  const translate = useService('translate');
  const bpmnFactory = useService('bpmnFactory');
  const expression = getBusinessObject(element).conditionExpression;
  return h(CodeEntry, {
    element, id, mode: 'eval', label: translate('Condition expression'),
    getValue: () => (expression && expression.body) || '',
    setValue: value => modeling.updateProperties(element, {
      conditionExpression: value.trim() ? bpmnFactory.create('bpmn:FormalExpression', { body: value }) : undefined
    })
  });
}

function DefaultPath(props) {
  const { element, id } = props;
  const modeling = useService('modeling');
  const translate = useService('translate');
  const source = element.source;
  return h(CheckboxEntry, {
    element, id, label: translate('Default path'), description: translate('Taken when no condition holds'),
    getValue: () => getBusinessObject(source).default === getBusinessObject(element),
    setValue: checked => {
      if (checked) {
        modeling.updateProperties(element, { conditionExpression: undefined });
      }
      modeling.updateProperties(source, { default: checked ? getBusinessObject(element) : undefined });
    }
  });
}

function CalledProcess(props) {
  const { element, id } = props;
  const modeling = useService('modeling');
  const translate = useService('translate');
  const catalog = useService('sqflowCatalog');
  const current = getBusinessObject(element).calledElement || '';
  return h(SelectEntry, {
    element, id, label: translate('Called process'),
    getValue: () => current,
    setValue: value => modeling.updateProperties(element, { calledElement: value || undefined }),
    getOptions: () => choices(translate('Choose a process'),
      catalog.processes.map(process => ({ value: process.process_id, label: process.name })), current)
  });
}

function Decision(props) {
  const { element, id } = props;
  const injector = useService('injector');
  const translate = useService('translate');
  const catalog = useService('sqflowCatalog');
  const object = getBusinessObject(element);
  const current = bodyOf(object, 'spiffworkflow:CalledDecisionId');
  return h(SelectEntry, {
    element, id, label: translate('Decision table'),
    getValue: () => current,
    setValue: value => setBody(injector, element, object, 'spiffworkflow:CalledDecisionId', value),
    getOptions: () => choices(translate('Choose a decision'),
      catalog.decisions.map(decision => ({ value: decision.decision_id, label: decision.name })), current)
  });
}

function MessageData(props) {
  const { element, id, type, label } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const definition = props.definition;
  return h(TextFieldEntry, {
    element, id, label, debounce,
    getValue: () => bodyOf(definition, type),
    setValue: value => setBody(injector, element, definition, type, value)
  });
}

function isConditionalFlow(element) {
  if (!is(element, 'bpmn:SequenceFlow') || !element.source) {
    return false;
  }
  const source = element.source;
  return is(source, 'bpmn:ExclusiveGateway') || is(source, 'bpmn:InclusiveGateway')
    || (is(source, 'bpmn:Activity') && (source.outgoing || []).length > 1);
}

function messageDefinition(element) {
  const definitions = getBusinessObject(element).eventDefinitions || [];
  return definitions.find(definition => is(definition, 'bpmn:MessageEventDefinition')) || null;
}

// The groups this file adds for `element`; `groups` are the panel's groups so far.
export function flowGroups(element, injector, groups) {
  const translate = injector.get('translate');
  const added = [];
  if (is(element, 'bpmn:ScriptTask')) {
    added.push({ id: 'sqflow-script', label: translate('Script'), entries: [ { id: 'sqflow-script-code', component: Script, element } ] });
  }
  if (isConditionalFlow(element)) {
    const entries = [ { id: 'sqflow-condition-code', component: Condition, element } ];
    if (!is(element.source, 'bpmn:ParallelGateway')) {
      entries.push({ id: 'sqflow-default-path', component: DefaultPath, element });
    }
    added.push({ id: 'sqflow-condition', label: translate('Condition'), entries });
  }
  if (is(element, 'bpmn:CallActivity')) {
    added.push({ id: 'sqflow-call', label: translate('Called process'), entries: [ { id: 'sqflow-called-element', component: CalledProcess, element } ] });
  }
  if (is(element, 'bpmn:BusinessRuleTask')) {
    added.push({ id: 'sqflow-decision', label: translate('Decision'), entries: [ { id: 'sqflow-called-decision', component: Decision, element } ] });
  }
  const message = messageDefinition(element);
  if (message) {
    const throwing = is(element, 'bpmn:ThrowEvent');
    added.push({ id: 'sqflow-message-data', label: translate('Messages'), entries: [ throwing
      ? { id: 'sqflow-message-payload', component: MessageData, element, definition: message,
        type: 'spiffworkflow:MessagePayload', label: translate('Message payload') }
      : { id: 'sqflow-message-variable', component: MessageData, element, definition: message,
        type: 'spiffworkflow:MessageVariable', label: translate('Message variable') } ] });
  }
  const timer = timerOf(element) && groups.find(group => group.id === 'timer');
  if (timer) {
    timer.entries.push({ id: 'sqflow-timer-preview', component: TimerPreview, element });
  }
  return added;
}
