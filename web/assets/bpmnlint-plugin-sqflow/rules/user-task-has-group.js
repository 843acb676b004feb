const { is } = require('bpmnlint-utils');

// A user task's group is the name of the lane it is drawn in; a task outside every lane needs an
// `assignee` property (spiffworkflow:property name="assignee"), or nobody's inbox shows it. A Camunda
// diagram's camunda:candidateGroups, candidateUsers or assignee say the same (the server reads them).
module.exports = function() {
  function lanesOf(process) {
    const lanes = [];
    const visit = sets => (sets || []).forEach(set => (set.lanes || []).forEach(lane => {
      lanes.push(lane);
      if (lane.childLaneSet) {
        visit([ lane.childLaneSet ]);
      }
    }));
    visit(process.laneSets);
    return lanes;
  }
  function hasAssignee(node) {
    const attrs = node.$attrs || {};
    if ([ 'camunda:candidateGroups', 'camunda:candidateUsers', 'camunda:assignee' ].some(
      name => String(attrs[name] || '').trim())) {
      return true;
    }
    const values = (node.extensionElements && node.extensionElements.values) || [];
    return values.some(value => (value.properties || value.$children || []).some(
      property => property.name === 'assignee' && String(property.value || '').trim()));
  }
  function inNamedLane(node, lanes) {
    return lanes.some(lane => (lane.flowNodeRef || []).indexOf(node) !== -1 && String(lane.name || '').trim());
  }
  function check(node, reporter) {
    if (!is(node, 'bpmn:Process')) {
      return;
    }
    const lanes = lanesOf(node);
    const tasks = [];
    const collect = elements => (elements || []).forEach(element => {
      if (is(element, 'bpmn:UserTask')) {
        tasks.push(element);
      }
      if (is(element, 'bpmn:SubProcess')) {
        collect(element.flowElements);
      }
    });
    collect(node.flowElements);
    tasks.forEach(task => {
      if (!inNamedLane(task, lanes) && !hasAssignee(task)) {
        reporter.report(task.id, 'User task has no group: draw it in a lane named after a group, or give it an assignee');
      }
    });
  }
  return { check };
};
