const { is } = require('bpmnlint-utils');

module.exports = function() {
  function check(node, reporter) {
    if (is(node, 'bpmn:ScriptTask') && !String(node.script || '').trim()) {
      reporter.report(node.id, 'Script task has no script');
    }
  }
  return { check };
};
