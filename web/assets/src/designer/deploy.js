// Deploying safely: lint first, then the server's preview (problems, the version new instances
// start on now, how many instances keep running on it), the semantic difference against that
// version, and a confirmation with a reason before anything is deployed.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import { post } from './api.js';
import { everythingNew, semanticDiff } from './diff.js';
import { propertyOf } from './properties/extensions.js';

export function formsUsed(modeler) {
  const names = modeler.get('elementRegistry').filter(element => is(element, 'bpmn:UserTask'))
    .map(element => propertyOf(getBusinessObject(element), 'formJsonSchemaFilename')).filter(Boolean);
  return [ ...new Set(names) ];
}

// A lane is named after its group: people read the group's label.
export function groupLabels(catalog) {
  const labels = Object.fromEntries(catalog.groups.map(group => [ group.name, group.label ]));
  return element => (is(element, 'bpmn:Lane') && labels[(element.name || '').trim()]) || element.name || '';
}

function item(entry, extra) {
  const li = document.createElement('li');
  li.textContent = entry.type + (entry.name ? '「' + entry.name + '」' : '') + (extra ? '：' + extra : '');
  return li;
}

export function fillDiff(box, changes, text) {
  const sections = [
    [ 'added', changes.added, entry => item(entry) ],
    [ 'removed', changes.removed, entry => item(entry) ],
    [ 'changed', changes.changed, entry => item(entry, entry.attributes.join('、')) ]
  ];
  sections.forEach(([ kind, entries, render ]) => {
    const section = box.querySelector('.diff-' + kind);
    section.hidden = !entries.length;
    section.querySelector('ul').replaceChildren(...entries.map(render));
  });
  const nothing = !changes.added.length && !changes.removed.length && !changes.changed.length;
  box.querySelector('.diff-none').hidden = !nothing;
  box.querySelector('.diff-none').textContent = changes.layoutOnly ? text.layoutOnly : text.noChange;
}

export function deployFlow(page) {
  const { modeler, config, text, dialog, lint, say, problems, currentXml, onDeployed } = page;
  const translate = modeler.get('translate');
  const reason = dialog.querySelector('textarea[name=reason]');
  const refusal = dialog.querySelector('.dialog-problems');
  let pending = null;

  // Until the server previews deployments (ENDPOINTS.md): its validation, and the difference
  // against the version this page opened; the running cases are then not counted.
  async function previewHere(body) {
    const checked = await post(config.urls.validate, body);
    const opened = config.openedVersion ? { version: config.openedVersion, xml: config.xml } : null;
    return { problems: checked.problems || [], current: opened, running_instances: null, here: true };
  }

  async function open() {
    const xml = await currentXml();
    const body = { xml, process_id: page.processId(), forms: formsUsed(modeler) };
    let preview;
    try {
      preview = await post(config.urls.deployPreview, body);
    } catch (error) {
      if (error.status !== 404) {
        say(text.failed + ' ' + error.message, 'error');
        return;
      }
      preview = await previewHere(body);
    }
    if (preview.problems && preview.problems.length) {
      problems.show(preview.problems);
      say(text.invalid, 'error');
      return;
    }
    problems.clear();
    const current = preview.current;
    dialog.querySelector('.deploy-target').textContent = current
      ? text.againstVersion.replace('%(version)d', current.version) : text.firstVersion;
    dialog.querySelector('.deploy-running').hidden = !current || preview.running_instances == null;
    dialog.querySelector('.deploy-running').textContent = current
      ? text.running.replace('%(count)d', preview.running_instances || 0).replace('%(version)d', current.version) : '';
    const nameOf = groupLabels(modeler.get('sqflowCatalog'));
    const changes = current ? await semanticDiff(current.xml, xml, translate, nameOf)
      : await everythingNew(xml, translate, nameOf);
    fillDiff(dialog.querySelector('.diff'), changes, text);
    pending = { ...body, base_version: current ? current.version : null, here: !!preview.here };
    const lintWarning = dialog.querySelector('.deploy-lint');
    lintWarning.hidden = !lint.errors();
    lintWarning.textContent = text.lintFirst.replace('%(errors)d', lint.errors());
    const advice = dialog.querySelector('.deploy-warnings');
    const warnings = preview.warnings || [];
    advice.hidden = !warnings.length;
    advice.querySelector('ul').replaceChildren(...warnings.map(warning => {
      const li = document.createElement('li');
      li.textContent = warning.message;
      return li;
    }));
    reason.value = '';
    refusal.hidden = true;
    say('', '');
    dialog.showModal();
    reason.focus();
  }

  async function confirm(button) {
    if (!reason.value.trim()) {
      refusal.textContent = text.reasonNeeded;
      refusal.hidden = false;
      reason.focus();
      return;
    }
    button.disabled = true;
    try {
      const { here, ...sent } = pending;
      const result = await post(here ? config.urls.deploy : config.urls.deployConfirm, { ...sent, reason: reason.value.trim() });
      if (result.problems && result.problems.length) {
        refusal.textContent = result.problems.map(problem => problem.message).join('；');
        refusal.hidden = false;
        return;
      }
      dialog.close();
      if (here && result.deployed.length) {
        config.xml = sent.xml;
        config.openedVersion = result.deployed[0].version;
      }
      say(result.deployed.map(deployed => deployed.message).join(' · '), 'success');
      onDeployed(result);
    } catch (error) {
      refusal.textContent = text.failed + ' ' + error.message;
      refusal.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  dialog.querySelector('.confirm').addEventListener('click', event => confirm(event.currentTarget));
  dialog.querySelector('.cancel').addEventListener('click', () => dialog.close());
  return { open };
}
