// The process modeler page: bpmn-js with sqflow's properties panel, lint as you draw (bpmnlint with
// sqflow's rules), token simulation, the server's validation, a test run of the draft, and a
// deployment that shows the difference and asks for a reason. Texts come from the page (gettext)
// and from zh.js (the libraries' own).
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';
import 'bpmn-js-token-simulation/assets/css/bpmn-js-token-simulation.css';
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import lintModule from 'bpmn-js-bpmnlint';
import TokenSimulationModule from 'bpmn-js-token-simulation';
import lintConfig from 'sqflow-lint-config';
import spiffworkflow from './spiffworkflow.json';
import SqflowPropertiesModule from './properties/index.js';
import { applyCspStyles } from './csp-styles.js';
import { get, post } from './api.js';
import { translateModule, translateTitles, translator } from './translate.js';
import { problemView } from './problems.js';
import { lintStatus } from './lint-status.js';
import { deployFlow } from './deploy.js';
import { testRunFlow } from './test-run.js';
import { translateSimulation } from './simulation-text.js';
import { LaneLabelModule } from './lane-labels.js';

// What a designer sets on most elements: open from the start.
const OPEN_GROUPS = Object.fromEntries([ 'general', 'sqflow-work', 'sqflow-script', 'sqflow-condition', 'sqflow-call',
  'sqflow-decision', 'timer', 'message', 'sqflow-message-data' ].map(id => [ id, { open: true } ]));

async function loadCatalog(urls) {
  const empty = { groups: [], roles: [], forms: [], decisions: [], processes: [] };
  try {
    return { ...empty, ...(await get(urls.catalog)) };
  } catch (error) {
    return empty;
  }
}

function createModeler(config, catalog) {
  return new BpmnModeler({
    container: '#canvas',
    propertiesPanel: { parent: '#properties', layout: { groups: OPEN_GROUPS } },
    linting: { bpmnlint: lintConfig, active: true },
    moddleExtensions: { spiffworkflow },
    additionalModules: [
      BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, SqflowPropertiesModule, lintModule,
      TokenSimulationModule, LaneLabelModule, translateModule(config.locale),
      { sqflowCatalog: [ 'value', catalog ], sqflowConfig: [ 'value', config ] }
    ]
  });
}

async function main() {
  applyCspStyles();
  const config = JSON.parse(document.getElementById('designer-config').textContent);
  translateSimulation(document.getElementById('canvas'), config.locale);
  translateTitles(document.getElementById('properties'), translator(config.locale));
  const text = config.text;
  const statusBox = document.getElementById('status');
  const noLayout = document.getElementById('no-layout');
  const modeler = createModeler(config, await loadCatalog(config.urls));
  let processId = config.processId;
  let dirty = false;
  modeler.on('commandStack.changed', () => { dirty = true; });

  function say(message, kind) {
    statusBox.hidden = !message;
    statusBox.className = 'flash' + (kind ? ' ' + kind : '');
    statusBox.textContent = message || '';
  }

  const problems = problemView(modeler, document.getElementById('problems'), text);
  const lint = lintStatus(modeler, document.getElementById('lint'), text, problems.select);

  async function open(xml) {
    problems.clear();
    noLayout.hidden = !config.layoutMissing;
    if (config.layoutMissing) {
      return;
    }
    try {
      const result = await modeler.importXML(xml);
      modeler.get('canvas').zoom('fit-viewport', 'auto');
      if (result.warnings && result.warnings.length) {
        say(text.warnings + ' ' + result.warnings.length, 'warning');
      }
    } catch (error) {
      if (/no diagram to display/.test(String(error && error.message))) {
        config.layoutMissing = true;
        noLayout.hidden = false;
      } else {
        say(text.importFailed + ' ' + (error && error.message), 'error');
      }
    }
  }

  async function currentXml() {
    if (config.layoutMissing) {
      return config.xml;
    }
    return (await modeler.saveXML({ format: true })).xml;
  }

  async function run(button, action) {
    button.disabled = true;
    say(text.working, '');
    try {
      await action();
    } catch (error) {
      say(text.failed + ' ' + error.message, 'error');
    } finally {
      button.disabled = false;
    }
  }

  const page = {
    modeler, config, text, say, problems, lint, currentXml, processId: () => processId,
    onDeployed(result) {
      dirty = false;
      if (result.deployed.length && !processId) {
        processId = result.deployed[0].process_id;
        window.history.replaceState(null, '', result.deployed[0].edit_url);
      }
    }
  };
  const deploy = deployFlow({ ...page, dialog: document.getElementById('deploy-dialog') });
  const testRun = testRunFlow({ ...page, dialog: document.getElementById('test-run-dialog') });

  document.getElementById('validate').addEventListener('click', event => run(event.currentTarget, async () => {
    const result = await post(config.urls.validate, { xml: await currentXml(), process_id: processId });
    problems.show(result.problems || []);
    say(result.valid ? text.valid : text.invalid, result.valid ? 'success' : 'error');
  }));
  document.getElementById('deploy').addEventListener('click', event => run(event.currentTarget, deploy.open));
  document.getElementById('test-run').addEventListener('click', () => testRun.open());
  document.getElementById('auto-layout').addEventListener('click', event => run(event.currentTarget, async () => {
    const result = await post(config.urls.layout, { xml: config.xml });
    if (result.problems && result.problems.length) {
      problems.show(result.problems);
      say(text.invalid, 'error');
      return;
    }
    config.xml = result.xml;
    config.layoutMissing = false;
    say('', '');
    await open(config.xml);
  }));
  document.getElementById('start-drawing').addEventListener('click', async () => {
    if (!window.confirm(text.startDrawingWarning)) {
      return;
    }
    config.layoutMissing = false;
    await modeler.importXML(config.emptyXml);
    noLayout.hidden = true;
  });
  window.addEventListener('beforeunload', event => {
    if (dirty) {
      event.preventDefault();
    }
  });
  await open(config.xml);
  document.body.dataset.modelerReady = 'true';
}

main();
