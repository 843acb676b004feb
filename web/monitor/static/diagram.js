/*
 * The sqflow diagram viewer (bpmn-js NavigatedViewer, loaded before this file as window.BpmnJS).
 *
 *   window.sqflowDiagram.mount(element, {xmlUrl, statusUrl, heatUrl, messages})  -> Promise<viewer|null>
 *
 * statusUrl answers {completed: [ids], active: [ids], overdue: [ids]}: each id gets the canvas
 * marker of that name (CSS in monitor.css). heatUrl answers {id: {passed, waiting}}: each element gets
 * a badge with both counts and a marker heat-1..heat-5 by how many passed. A diagram without BPMN DI
 * (or one that fails to load) shows a message instead of an empty box. Messages come from
 * options.messages or the element's data-msg-no-layout / data-msg-failed / data-msg-passed /
 * data-msg-waiting attributes (translated by the page). Every element with data-diagram-xml
 * (plus data-diagram-status / data-diagram-heat) is mounted when the page loads.
 *
 * With a status, the viewer opens on the case's current elements (its open tasks and timers) at a
 * readable scale instead of fitting a wide diagram into the box; a button (data-msg-fit) shows the
 * whole diagram again.
 */
(function () {
  'use strict';

  var DEFAULT_MESSAGES = {
    noLayout: 'This diagram has no layout, so it cannot be drawn.',
    failed: 'The diagram could not be shown.',
    passed: 'passed',
    waiting: 'waiting',
    fit: 'Whole diagram'
  };
  var READABLE_SCALE = 1;     // diagram units per pixel around the current element
  var SMALLEST_SCALE = 0.5;   // several current elements far apart: at most this far out
  var STATUS_MARKERS = ['completed', 'active', 'overdue'];
  var HEAT_LEVELS = 5;

  function NoLayout() {}

  function messagesFor(element, given) {
    var data = element.dataset || {};
    var own = {noLayout: data.msgNoLayout, failed: data.msgFailed, passed: data.msgPassed, waiting: data.msgWaiting,
               fit: data.msgFit};
    var result = {};
    Object.keys(DEFAULT_MESSAGES).forEach(function (key) {
      result[key] = (given && given[key]) || own[key] || DEFAULT_MESSAGES[key];
    });
    return result;
  }

  function showMessage(element, text) {
    element.textContent = '';
    element.classList.add('diagram-message');
    var paragraph = document.createElement('p');
    paragraph.textContent = text;
    element.appendChild(paragraph);
  }

  function fetchOk(url, accept) {
    return fetch(url, {credentials: 'same-origin', headers: {Accept: accept}}).then(function (response) {
      if (!response.ok) { throw new Error(url + ': HTTP ' + response.status); }
      return response;
    });
  }

  function drawnShapes(viewer) {
    return viewer.get('elementRegistry').filter(function (shape) {
      return shape.parent && !shape.labelTarget && shape.type !== 'label';
    });
  }

  function markStatus(viewer, status) {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    STATUS_MARKERS.forEach(function (marker) {
      (status[marker] || []).forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, marker); }
      });
    });
  }

  /* Centre the view on the shapes of `ids` (those the diagram has), as close as READABLE_SCALE. */
  function focusOn(viewer, ids) {
    var registry = viewer.get('elementRegistry');
    var shapes = ids.map(function (id) { return registry.get(id); }).filter(function (shape) {
      return shape && shape.width !== undefined;
    });
    if (shapes.length === 0) { return false; }
    var left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    shapes.forEach(function (shape) {
      left = Math.min(left, shape.x); top = Math.min(top, shape.y);
      right = Math.max(right, shape.x + shape.width); bottom = Math.max(bottom, shape.y + shape.height);
    });
    var canvas = viewer.get('canvas');
    var size = canvas.getSize();
    if (!size.width || !size.height) { return false; }
    var margin = 160;
    var scale = Math.min(READABLE_SCALE, size.width / (right - left + 2 * margin),
                         size.height / (bottom - top + 2 * margin));
    scale = Math.max(scale, SMALLEST_SCALE);
    var width = size.width / scale, height = size.height / scale;
    canvas.viewbox({x: (left + right) / 2 - width / 2, y: (top + bottom) / 2 - height / 2,
                    width: width, height: height});
    return true;
  }

  function addFitButton(element, viewer, messages) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'diagram-fit small';
    button.textContent = messages.fit;
    button.addEventListener('click', function () { viewer.get('canvas').zoom('fit-viewport', 'auto'); });
    element.appendChild(button);
  }

  function drawHeat(viewer, heat, messages) {
    var canvas = viewer.get('canvas');
    var registry = viewer.get('elementRegistry');
    var overlays = viewer.get('overlays');
    var most = 0;
    Object.keys(heat).forEach(function (id) { most = Math.max(most, heat[id].passed || 0); });
    Object.keys(heat).forEach(function (id) {
      var counts = heat[id];
      var shape = registry.get(id);
      if (!shape) { return; }
      if (most > 0 && counts.passed > 0) {
        canvas.addMarker(id, 'heat-' + Math.max(1, Math.ceil(HEAT_LEVELS * counts.passed / most)));
      }
      if (counts.waiting > 0) { canvas.addMarker(id, 'waiting'); }
      var badge = document.createElement('div');
      badge.className = 'heat-badge';
      badge.title = messages.passed + ': ' + counts.passed + ' · ' + messages.waiting + ': ' + counts.waiting;
      var passed = document.createElement('span');
      passed.className = 'passed';
      passed.textContent = String(counts.passed);
      badge.appendChild(passed);
      if (counts.waiting > 0) {
        var waiting = document.createElement('span');
        waiting.className = 'waiting';
        waiting.textContent = String(counts.waiting);
        badge.appendChild(waiting);
      }
      overlays.add(id, 'sqflow-heat', {position: {top: -12, right: 12}, html: badge});
    });
  }

  function mount(element, options) {
    options = options || {};
    var messages = messagesFor(element, options.messages);
    if (!window.BpmnJS || !window.fetch) {
      showMessage(element, messages.failed);
      return Promise.resolve(null);
    }
    var viewer = new window.BpmnJS({container: element});
    return fetchOk(options.xmlUrl, 'application/xml').then(function (response) {
      return response.text();
    }).then(function (xml) {
      if (xml.indexOf('BPMNShape') < 0) { throw new NoLayout(); }
      return viewer.importXML(xml);
    }).then(function () {
      if (drawnShapes(viewer).length === 0) { throw new NoLayout(); }
      viewer.get('canvas').zoom('fit-viewport', 'auto');
      var loads = [];
      if (options.statusUrl) {
        loads.push(fetchOk(options.statusUrl, 'application/json').then(function (r) { return r.json(); })
          .then(function (status) {
            markStatus(viewer, status);
            if (focusOn(viewer, (status.overdue || []).concat(status.active || []))) {
              addFitButton(element, viewer, messages);
              element.dataset.diagramFocus = 'current';
            }
          }));
      }
      if (options.heatUrl) {
        loads.push(fetchOk(options.heatUrl, 'application/json').then(function (r) { return r.json(); })
          .then(function (heat) { drawHeat(viewer, heat, messages); }));
      }
      return Promise.all(loads);
    }).then(function () {
      element.dataset.diagramReady = 'true';
      return viewer;
    }).catch(function (error) {
      viewer.destroy();
      showMessage(element, error instanceof NoLayout ? messages.noLayout : messages.failed);
      element.dataset.diagramReady = 'false';
      if (!(error instanceof NoLayout) && window.console) { window.console.warn('sqflow diagram:', error); }
      return null;
    });
  }

  function mountAll() {
    var elements = document.querySelectorAll('[data-diagram-xml]');
    Array.prototype.forEach.call(elements, function (element) {
      mount(element, {
        xmlUrl: element.dataset.diagramXml,
        statusUrl: element.dataset.diagramStatus,
        heatUrl: element.dataset.diagramHeat
      });
    });
  }

  window.sqflowDiagram = {mount: mount, mountAll: mountAll};
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', mountAll);
  } else {
    mountAll();
  }
}());
