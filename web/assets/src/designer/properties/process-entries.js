// A process's start rights (`starters`: group:…, role:… or none) and the fields its reports show.
import { h } from '@bpmn-io/properties-panel/preact';
import { CheckboxEntry, TextFieldEntry } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { processOf, propertyOf, setProperty } from './extensions.js';

const NONE = 'none';

function startersOf(process) {
  return propertyOf(process, 'starters').split(',').map(entry => entry.trim()).filter(Boolean);
}

function Starter(props) {
  const { element, id, entry, label } = props;
  const injector = useService('injector');
  const process = processOf(element);
  const current = startersOf(process);
  return h(CheckboxEntry, {
    element, id, label,
    getValue: () => current.indexOf(entry) !== -1,
    setValue: checked => {
      let next = current.filter(value => value !== entry);
      if (checked) {
        next = entry === NONE ? [ NONE ] : [ ...next.filter(value => value !== NONE), entry ];
      }
      setProperty(injector, element, process, 'starters', next.join(', '));
    }
  });
}

function Heading(props) {
  return h('div', { class: 'bio-properties-panel-entry sqflow-subheading', 'data-entry-id': props.id }, props.text);
}

export function startersGroup(element, injector) {
  const translate = injector.get('translate');
  const catalog = injector.get('sqflowCatalog');
  const process = processOf(element);
  const declared = startersOf(process).length > 0;
  const entries = [
    { id: 'sqflow-starters-note', component: Heading, element,
      text: declared ? '' : translate('Everyone working cases (not declared)') },
    { id: 'sqflow-starter-none', component: Starter, element, entry: NONE, label: translate('Only other processes start it') },
    { id: 'sqflow-starter-groups', component: Heading, element, text: translate('Groups') },
    ...catalog.groups.map(group => ({ id: 'sqflow-starter-group-' + group.name, component: Starter, element,
      entry: 'group:' + group.name, label: group.label })),
    { id: 'sqflow-starter-roles', component: Heading, element, text: translate('Roles') },
    ...catalog.roles.map(role => ({ id: 'sqflow-starter-role-' + role.name, component: Starter, element,
      entry: 'role:' + role.name, label: role.label }))
  ];
  return { id: 'sqflow-starters', label: translate('Who may start it'), entries };
}

export function reportGroup(element, injector) {
  const translate = injector.get('translate');
  const process = processOf(element);
  return { id: 'sqflow-reports', label: translate('Report fields'), entries: [
    { id: 'sqflow-report-fields', component: ReportFields, element, process,
      label: translate('Report fields'), description: translate('Data fields shown in reports, separated by commas') }
  ] };
}

function ReportFields(props) {
  const { element, id, process, label, description } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element, id, label, description, debounce,
    getValue: () => propertyOf(process, 'reportFields'),
    setValue: value => setProperty(injector, element, process, 'reportFields', value)
  });
}
