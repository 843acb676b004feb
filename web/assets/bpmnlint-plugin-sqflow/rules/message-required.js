const { is } = require('bpmnlint-utils');

module.exports = function() {
  function check(node, reporter) {
    if (is(node, 'bpmn:MessageEventDefinition') && !node.messageRef) {
      const event = node.$parent;
      reporter.report(event ? event.id : node.id, 'Message event names no message');
    }
  }
  return { check };
};
