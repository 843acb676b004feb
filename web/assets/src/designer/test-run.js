// Try before deploy: the draft runs on a scratch database with sample data (POST urls.testRun);
// the path it took is listed and marked on the canvas, with the forms its user tasks show.
import { post } from './api.js';
import { formsUsed } from './deploy.js';

const MARKER = 'sqflow-test-path';

function formCard(form, text) {
  const card = document.createElement('section');
  card.className = 'test-form';
  const title = document.createElement('h4');
  title.textContent = form.name || form.element_id;
  const fields = document.createElement('ul');
  const schema = form.schema || {};
  const required = schema.required || [];
  Object.entries(schema.properties || {}).forEach(([ key, field ]) => {
    const li = document.createElement('li');
    li.textContent = (field.title || key) + (required.indexOf(key) !== -1 ? ' *' : '');
    fields.append(li);
  });
  if (!fields.children.length) {
    const li = document.createElement('li');
    li.textContent = text.noFields;
    fields.append(li);
  }
  card.append(title, fields);
  return card;
}

export function testRunFlow(page) {
  const { modeler, config, text, dialog, say, problems, currentXml } = page;
  const data = dialog.querySelector('textarea[name=data]');
  const result = dialog.querySelector('.test-result');
  const refusal = dialog.querySelector('.dialog-problems');
  let marked = [];

  function unmark() {
    const canvas = modeler.get('canvas');
    marked.forEach(id => modeler.get('elementRegistry').get(id) && canvas.removeMarker(id, MARKER));
    marked = [];
  }

  function show(answer) {
    const registry = modeler.get('elementRegistry');
    const path = result.querySelector('.test-path');
    path.replaceChildren(...answer.path.map(step => {
      const li = document.createElement('li');
      const element = registry.get(step.element_id);
      li.textContent = step.name || (element && element.businessObject.name) || step.kind || step.element_id;
      return li;
    }));
    result.querySelector('.test-state').textContent = text.testState.replace('%(state)s', answer.state_label || answer.state || '');
    result.querySelector('.test-forms').replaceChildren(...(answer.forms || []).map(form => formCard(form, text)));
    unmark();
    answer.path.forEach(step => {
      if (registry.get(step.element_id)) {
        modeler.get('canvas').addMarker(step.element_id, MARKER);
        marked.push(step.element_id);
      }
    });
    result.hidden = false;
  }

  async function run(button) {
    let sample;
    try {
      sample = JSON.parse(data.value || '{}');
    } catch (error) {
      refusal.textContent = text.badSample;
      refusal.hidden = false;
      return;
    }
    refusal.hidden = true;
    button.disabled = true;
    try {
      const answer = await post(config.urls.testRun, {
        xml: await currentXml(), process_id: page.processId(), forms: formsUsed(modeler), data: sample });
      if (answer.problems && answer.problems.length) {
        problems.show(answer.problems);
        refusal.textContent = answer.problems.map(problem => problem.message).join('；');
        refusal.hidden = false;
        return;
      }
      show(answer);
    } catch (error) {
      refusal.textContent = error.status === 404 ? text.notAvailable : text.failed + ' ' + error.message;
      refusal.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  dialog.querySelector('.run').addEventListener('click', event => run(event.currentTarget));
  dialog.querySelector('.cancel').addEventListener('click', () => dialog.close());
  modeler.on('commandStack.changed', unmark);
  return {
    open() {
      result.hidden = true;
      refusal.hidden = true;
      say('', '');
      dialog.showModal();
    }
  };
}
