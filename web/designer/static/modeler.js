// The process modeler: bpmn-js (global BpmnJS) on #canvas, with Validate and Deploy posting the
// diagram's XML to the server, whose problems are listed and marked on the offending elements.
(function () {
  'use strict';

  const config = JSON.parse(document.getElementById('designer-config').textContent);
  const text = config.text;
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const statusBox = document.getElementById('status');
  const problemList = document.getElementById('problems');
  const noLayout = document.getElementById('no-layout');
  const modeler = new BpmnJS({ container: '#canvas', keyboard: { bindTo: document } });
  let marked = [];
  let dirty = false;
  modeler.on('commandStack.changed', function () { dirty = true; });
  let processId = config.processId;

  function say(message, kind) {
    statusBox.hidden = !message;
    statusBox.className = 'flash' + (kind ? ' ' + kind : '');
    statusBox.textContent = message || '';
  }

  function elementOf(id) {
    return id ? modeler.get('elementRegistry').get(id) : null;
  }

  function clearProblems() {
    const canvas = modeler.get('canvas');
    marked.forEach(function (id) { if (elementOf(id)) { canvas.removeMarker(id, 'sqflow-problem'); } });
    marked = [];
    modeler.get('overlays').remove({ type: 'sqflow-problem' });
    problemList.replaceChildren();
    problemList.hidden = true;
  }

  function select(id) {
    const element = elementOf(id);
    if (!element) { return; }
    modeler.get('selection').select(element);
    const canvas = modeler.get('canvas');
    if (canvas.scrollToElement) { canvas.scrollToElement(element); }
  }

  function showProblems(problems) {
    clearProblems();
    if (!problems.length) { return; }
    const counts = {};
    problems.forEach(function (problem) {
      const item = document.createElement('li');
      let where = problem.file;
      if (problem.line) { where += ' (' + text.line + ' ' + problem.line + ')'; }
      if (problem.element_id) { where += ' [' + problem.element_id + ']'; }
      const code = document.createElement('code');
      code.textContent = where;
      item.append(code, ' ', problem.message);
      if (elementOf(problem.element_id)) {
        item.classList.add('clickable');
        item.addEventListener('click', function () { select(problem.element_id); });
        counts[problem.element_id] = (counts[problem.element_id] || []).concat(problem.message);
      }
      problemList.append(item);
    });
    Object.keys(counts).forEach(function (id) {
      modeler.get('canvas').addMarker(id, 'sqflow-problem');
      marked.push(id);
      const badge = document.createElement('div');
      badge.className = 'sqflow-problem-badge';
      badge.textContent = '!' + (counts[id].length > 1 ? ' ' + counts[id].length : '');
      badge.title = counts[id].join('\n');
      badge.addEventListener('click', function () { select(id); });
      modeler.get('overlays').add(id, 'sqflow-problem', { position: { top: -10, right: 10 }, html: badge });
    });
    problemList.hidden = false;
  }

  async function open(xml) {
    clearProblems();
    noLayout.hidden = !config.layoutMissing;
    if (config.layoutMissing) { return; }
    try {
      const result = await modeler.importXML(xml);
      modeler.get('canvas').zoom('fit-viewport', 'auto');
      if (result.warnings && result.warnings.length) {
        say(text.warnings + ' ' + result.warnings.map(function (w) { return w.message; }).join('; '), 'warning');
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
    if (config.layoutMissing) { return config.xml; }
    const result = await modeler.saveXML({ format: true });
    return result.xml;
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': csrfToken },
      body: JSON.stringify(body),
    });
    let payload = null;
    try { payload = await response.json(); } catch (ignored) { payload = null; }
    if (!payload || (!response.ok && !payload.problems)) {
      throw new Error((payload && payload.message) || response.status + ' ' + response.statusText);
    }
    return payload;
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

  document.getElementById('validate').addEventListener('click', function (event) {
    run(event.currentTarget, async function () {
      const result = await post(config.urls.validate, { xml: await currentXml(), process_id: processId });
      showProblems(result.problems || []);
      say(result.valid ? text.valid : text.invalid, result.valid ? 'success' : 'error');
    });
  });

  document.getElementById('deploy').addEventListener('click', function (event) {
    run(event.currentTarget, async function () {
      const result = await post(config.urls.deploy, { xml: await currentXml(), process_id: processId });
      showProblems(result.problems || []);
      if (result.problems && result.problems.length) {
        say(text.invalid, 'error');
        return;
      }
      dirty = false;
      say(result.deployed.map(function (d) { return d.message; }).join(' · '), 'success');
      if (result.deployed.length && !processId) {
        processId = result.deployed[0].process_id;
        window.history.replaceState(null, '', result.deployed[0].edit_url);
      }
    });
  });

  document.getElementById('auto-layout').addEventListener('click', function (event) {
    run(event.currentTarget, async function () {
      const result = await post(config.urls.layout, { xml: config.xml });
      if (result.problems && result.problems.length) {
        showProblems(result.problems);
        say(text.invalid, 'error');
        return;
      }
      config.xml = result.xml;
      config.layoutMissing = false;
      say('', '');
      await open(config.xml);
    });
  });

  document.getElementById('start-drawing').addEventListener('click', async function () {
    if (!window.confirm(text.startDrawingWarning)) { return; }
    config.layoutMissing = false;
    await modeler.createDiagram();
    noLayout.hidden = true;
  });

  window.addEventListener('beforeunload', function (event) {
    if (dirty) {
      event.preventDefault();
    }
  });

  open(config.xml);
}());
