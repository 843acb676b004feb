const { is } = require('bpmnlint-utils');

// SpiffWorkflow reads the decision a business rule task runs from spiffworkflow:calledDecisionId;
// a Camunda diagram names it in camunda:decisionRef, which the server reads too.
module.exports = function() {
  function decisionOf(node) {
    const values = (node.extensionElements && node.extensionElements.values) || [];
    const found = values.find(value => (value.$type || '').toLowerCase() === 'spiffworkflow:calleddecisionid');
    const camunda = String((node.$attrs || {})['camunda:decisionRef'] || '').trim();
    return (found ? String(found.value || found.$body || '').trim() : '') || camunda;
  }
  function check(node, reporter) {
    if (is(node, 'bpmn:BusinessRuleTask') && !decisionOf(node)) {
      reporter.report(node.id, 'Business rule task names no decision');
    }
  }
  return { check };
};
