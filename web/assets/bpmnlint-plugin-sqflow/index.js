// sqflow's bpmnlint rules. Messages are English keys: the modeler translates them
// (web/assets/src/designer/zh.js), the server maps them to its catalogue.
module.exports = {
  configs: {
    recommended: {
      rules: {
        'timer-has-time': 'error',
        'script-required': 'error',
        'decision-required': 'error',
        'called-element-required': 'error',
        'message-required': 'error',
        'user-task-has-group': 'error',
        'supported-elements': 'error'
      }
    }
  }
};
