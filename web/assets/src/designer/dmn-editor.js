// The decision editor page: dmn-js on a stored .dmn file; Save posts the XML back (the server
// checks it and deploys the processes that use it with the new decision).
import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css';
import DmnModeler from 'dmn-js/lib/Modeler';
import { applyCspStyles } from './csp-styles.js';
import { post } from './api.js';
import { translateTitles, translator } from './translate.js';
import { ZH_DMN } from './zh-dmn.js';

function translateModule(locale) {
  const general = translator(locale);
  const chinese = /^zh/.test(locale || '');
  const translate = (template, replacements) => (chinese && ZH_DMN[template] !== undefined
    ? general(ZH_DMN[template], replacements) : general(template, replacements));
  return { translate: [ 'value', translate ] };
}

async function main() {
  applyCspStyles();
  const config = JSON.parse(document.getElementById('designer-config').textContent);
  const text = config.text;
  const status = document.getElementById('status');
  const problems = document.getElementById('problems');
  const module = translateModule(config.locale);
  const modeler = new DmnModeler({  // each view takes its own modules (common ones are overwritten)
    container: '#canvas',
    drd: { additionalModules: [ module ] },
    decisionTable: { additionalModules: [ module ] },
    literalExpression: { additionalModules: [ module ] },
    boxedExpression: { additionalModules: [ module ] }
  });
  translateTitles(document.getElementById('canvas'), module.translate[1]);
  const say = (message, kind) => {
    status.hidden = !message;
    status.className = 'flash' + (kind ? ' ' + kind : '');
    status.textContent = message || '';
  };
  try {
    await modeler.importXML(config.xml);
    const table = modeler.getViews().find(view => view.type === 'decisionTable');
    if (table) {
      await modeler.open(table);
    }
  } catch (error) {
    say(text.importFailed + ' ' + error.message, 'error');
  }
  document.getElementById('views').replaceChildren(...modeler.getViews().map(view => {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = view.name || view.id;
    button.addEventListener('click', () => modeler.open(view));
    return button;
  }));
  document.getElementById('save').addEventListener('click', async event => {
    const button = event.currentTarget;
    const reason = document.getElementById('reason').value.trim();
    if (!reason) {
      say(text.reasonNeeded, 'error');
      return;
    }
    button.disabled = true;
    say(text.working, '');
    try {
      const { xml } = await modeler.saveXML({ format: true });
      const result = await post(config.urls.save, { xml, reason });
      problems.replaceChildren(...(result.problems || []).map(problem => {
        const li = document.createElement('li');
        li.textContent = (problem.element_id ? problem.element_id + '：' : '') + problem.message;
        return li;
      }));
      problems.hidden = !(result.problems || []).length;
      say(problems.hidden ? result.deployed.map(d => d.message).join(' · ') : text.invalid,
        problems.hidden ? 'success' : 'error');
    } catch (error) {
      say(text.failed + ' ' + error.message, 'error');
    } finally {
      button.disabled = false;
    }
  });
  document.body.dataset.modelerReady = 'true';
}

main();
