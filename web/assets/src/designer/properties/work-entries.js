// Who does a user task and with which form: the lane (its name is a group, or `=expression`),
// the task's form, assignee and instructions; and the lane's own group picker.
import { h } from '@bpmn-io/properties-panel/preact';
import { SelectEntry, TextAreaEntry, TextFieldEntry } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import { bodyOf, choices, propertyOf, setBody, setProperty } from './extensions.js';

const EXPRESSION = '=';

export function laneOf(elementRegistry, element) {
  const object = getBusinessObject(element);
  const lanes = elementRegistry.filter(shape => is(shape, 'bpmn:Lane')
    && (getBusinessObject(shape).flowNodeRef || []).indexOf(object) !== -1);
  // the innermost lane: the one with no child lanes
  return lanes.find(lane => !(getBusinessObject(lane).childLaneSet || {}).lanes) || lanes[0] || null;
}

function groupOptions(catalog, translate, current) {
  const known = catalog.groups.map(group => ({ value: group.name, label: group.label }));
  known.push({ value: EXPRESSION, label: translate('By an expression (=…)') });
  return choices(translate('Choose a group'), known, current);
}

function LaneGroup(props) {
  const { element, id, lane, description } = props;
  const translate = useService('translate');
  const modeling = useService('modeling');
  const catalog = useService('sqflowCatalog');
  const name = (getBusinessObject(lane).name || '').trim();
  const chosen = name.startsWith(EXPRESSION) ? EXPRESSION : name;
  return h(SelectEntry, {
    element, id, label: translate('Handled by'), description,
    getValue: () => chosen,
    setValue: value => modeling.updateProperties(lane, { name: value === EXPRESSION ? '=group' : value }),
    getOptions: () => groupOptions(catalog, translate, chosen)
  });
}

function LaneExpression(props) {
  const { element, id, lane } = props;
  const translate = useService('translate');
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element, id, label: translate('Group expression'), debounce,
    getValue: () => (getBusinessObject(lane).name || '').trim().slice(1),
    setValue: value => modeling.updateProperties(lane, { name: EXPRESSION + (value || '').trim() })
  });
}

function FormEntry(props) {
  const { element, id } = props;
  const translate = useService('translate');
  const catalog = useService('sqflowCatalog');
  const injector = useService('injector');
  const object = getBusinessObject(element);
  const current = propertyOf(object, 'formJsonSchemaFilename');
  return h(SelectEntry, {
    element, id, label: translate('Form'), description: translate('Forms of this process and of deployed processes'),
    getValue: () => current,
    setValue: value => setProperty(injector, element, object, 'formJsonSchemaFilename', value),
    getOptions: () => choices(translate('No form'),
      catalog.forms.map(form => ({ value: form.name, label: form.title || form.name })), current)
  });
}

function PropertyText(props) {
  const { element, id, name, label, description, area } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  const object = getBusinessObject(element);
  return h(area ? TextAreaEntry : TextFieldEntry, {
    element, id, label, description, debounce,
    getValue: () => propertyOf(object, name),
    setValue: value => setProperty(injector, element, object, name, value)
  });
}

function Instructions(props) {
  const { element, id } = props;
  const injector = useService('injector');
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const object = getBusinessObject(element);
  return h(TextAreaEntry, {
    element, id, label: translate('Instructions'), debounce,
    getValue: () => bodyOf(object, 'spiffworkflow:InstructionsForEndUser'),
    setValue: value => setBody(injector, element, object, 'spiffworkflow:InstructionsForEndUser', value)
  });
}

function NoLane(props) {
  const translate = useService('translate');
  return h('div', { class: 'bio-properties-panel-entry sqflow-note', 'data-entry-id': props.id },
    translate('The task is in no lane: add a pool and lanes, or give it an assignee.'));
}

export function userTaskGroup(element, injector) {
  const translate = injector.get('translate');
  const lane = laneOf(injector.get('elementRegistry'), element);
  const entries = [ { id: 'sqflow-form', component: FormEntry, element } ];
  if (lane) {
    entries.push({ id: 'sqflow-lane-group', component: LaneGroup, element, lane,
      description: translate('The task is in the lane of this group. Choosing another group renames the lane.') });
    if ((getBusinessObject(lane).name || '').trim().startsWith(EXPRESSION)) {
      entries.push({ id: 'sqflow-lane-expression', component: LaneExpression, element, lane });
    }
  } else {
    entries.push({ id: 'sqflow-no-lane', component: NoLane, element });
  }
  entries.push({ id: 'sqflow-assignee', component: PropertyText, element, name: 'assignee',
    label: translate('Assignee'), description: translate('Data field or expression naming the person, e.g. received_by') });
  entries.push({ id: 'sqflow-instructions', component: Instructions, element });
  return { id: 'sqflow-work', label: translate('Work'), entries };
}

export function laneGroup(element, injector) {
  const translate = injector.get('translate');
  const entries = [ { id: 'sqflow-lane-group', component: LaneGroup, element, lane: element,
    description: translate('The lane names the group whose inbox gets its tasks.') } ];
  if ((getBusinessObject(element).name || '').trim().startsWith(EXPRESSION)) {
    entries.push({ id: 'sqflow-lane-expression', component: LaneExpression, element, lane: element });
  }
  return { id: 'sqflow-work', label: translate('Work'), entries };
}

export { PropertyText };
