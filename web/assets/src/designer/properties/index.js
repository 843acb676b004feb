// sqflow's groups in the properties panel, after bpmn-js-properties-panel's own (name, id,
// documentation, message, signal, timer, multi-instance).
import { is } from 'bpmn-js/lib/util/ModelUtil';
import { processOf } from './extensions.js';
import { flowGroups } from './flow-entries.js';
import { reportGroup, startersGroup } from './process-entries.js';
import { laneGroup, userTaskGroup } from './work-entries.js';

const LOW_PRIORITY = 500;

function SqflowPropertiesProvider(propertiesPanel, injector) {
  this.getGroups = function(element) {
    return function(groups) {
      const added = [];
      if (is(element, 'bpmn:UserTask')) {
        added.push(userTaskGroup(element, injector));
      }
      if (is(element, 'bpmn:Lane')) {
        added.push(laneGroup(element, injector));
      }
      added.push(...flowGroups(element, injector, groups));
      if (processOf(element)) {
        added.push(startersGroup(element, injector), reportGroup(element, injector));
      }
      const general = groups.findIndex(group => group.id === 'general');
      groups.splice(general + 1, 0, ...added);
      return groups;
    };
  };
  propertiesPanel.registerProvider(LOW_PRIORITY, this);
}

SqflowPropertiesProvider.$inject = [ 'propertiesPanel', 'injector' ];

export default {
  __init__: [ 'sqflowPropertiesProvider' ],
  sqflowPropertiesProvider: [ 'type', SqflowPropertiesProvider ]
};
