const { is } = require('bpmnlint-utils');

// Flow elements the engine cannot run (the server refuses them at deploy).
const UNSUPPORTED = [
  'bpmn:ComplexGateway', 'bpmn:ChoreographyTask', 'bpmn:CallChoreography', 'bpmn:SubChoreography',
  'bpmn:ImplicitThrowEvent', 'bpmn:CompensateEventDefinition', 'bpmn:LinkEventDefinition'
];

module.exports = function() {
  function check(node, reporter) {
    const type = UNSUPPORTED.find(name => is(node, name));
    if (!type) {
      return;
    }
    const owner = /EventDefinition$/.test(type) && node.$parent ? node.$parent : node;
    reporter.report(owner.id, 'sqflow cannot run this element: ' + type);
  }
  return { check };
};
