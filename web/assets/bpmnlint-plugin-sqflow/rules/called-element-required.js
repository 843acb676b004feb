const { is } = require('bpmnlint-utils');

module.exports = function() {
  function check(node, reporter) {
    if (is(node, 'bpmn:CallActivity') && !String(node.calledElement || '').trim()) {
      reporter.report(node.id, 'Call activity names no process');
    }
  }
  return { check };
};
