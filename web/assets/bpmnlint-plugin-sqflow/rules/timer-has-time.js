const { is } = require('bpmnlint-utils');

const TIMES = [ 'timeDate', 'timeDuration', 'timeCycle' ];

// A timer event needs a date, a duration or a cycle with a value (a literal or an expression).
module.exports = function() {
  function check(node, reporter) {
    if (!is(node, 'bpmn:TimerEventDefinition')) {
      return;
    }
    const event = node.$parent;
    const set = TIMES.filter(time => node[time] && String(node[time].body || '').trim());
    if (!set.length) {
      reporter.report(event ? event.id : node.id, 'Timer has no time: give it a date, a duration or a cycle');
    }
  }
  return { check };
};
