/*
 * Dashboard charts (Chart.js, window.Chart) from the figures the page embeds in #chart-data;
 * each <canvas data-chart="name"> draws charts[name]. The tables beside them hold the same figures.
 */
(function () {
  'use strict';

  var COLOURS = ['#0b5cad', '#2f8f46', '#c77d00', '#c62828', '#7b8794', '#6b4fbb', '#0f8b8d', '#d64f8a'];
  var STATE_COLOURS = {active: '#2f8f46', suspended: '#c77d00', error: '#c62828', completed: '#0b5cad',
                       terminated: '#7b8794'};

  function bar(labels, datasets, options) {
    return {type: 'bar', data: {labels: labels, datasets: datasets},
            options: Object.assign({responsive: true, maintainAspectRatio: false, plugins: {legend: {display: datasets.length > 1}}}, options || {})};
  }

  var BUILDERS = {
    states: function (d) {
      return {type: 'doughnut', data: {labels: d.labels, datasets: [{data: d.values,
        backgroundColor: d.keys.map(function (k) { return STATE_COLOURS[k] || '#7b8794'; })}]},
        options: {responsive: true, maintainAspectRatio: false, plugins: {legend: {position: 'right'}}}};
    },
    departments: function (d, canvas) {
      var target = d.labels.map(function () { return d.limit; });
      return bar(d.labels, [
        {label: canvas.dataset.labelRate || '%', data: d.on_time_rate, backgroundColor: '#2f8f46', yAxisID: 'rate'},
        {label: canvas.dataset.labelHours || 'h', data: d.average_hours, backgroundColor: '#0b5cad', yAxisID: 'hours'},
        {label: canvas.dataset.labelTarget || 'target', data: target, type: 'line', borderColor: '#c62828',
         borderDash: [6, 4], pointRadius: 0, yAxisID: 'hours'}
      ], {scales: {rate: {position: 'left', min: 0, max: 100}, hours: {position: 'right', min: 0,
          grid: {drawOnChartArea: false}}}});
    },
    scores: function (d) {
      return bar(d.labels, [{data: d.values, backgroundColor: d.values.map(function (v) {
        return v >= 90 ? '#2f8f46' : (v >= 80 ? '#c77d00' : '#c62828');
      })}], {scales: {y: {min: 0, max: 95}}});
    },
    categories: function (d) {
      return bar(d.labels, [{data: d.values, backgroundColor: COLOURS[0]}]);
    },
    channels: function (d) {
      return {type: 'pie', data: {labels: d.labels, datasets: [{data: d.values, backgroundColor: COLOURS}]},
              options: {responsive: true, maintainAspectRatio: false, plugins: {legend: {position: 'bottom'}}}};
    }
  };

  function draw() {
    var source = document.getElementById('chart-data');
    if (!source || !window.Chart) { return; }
    var charts = JSON.parse(source.textContent);
    Array.prototype.forEach.call(document.querySelectorAll('canvas[data-chart]'), function (canvas) {
      var name = canvas.dataset.chart;
      var figures = charts[name];
      if (!figures || !BUILDERS[name] || figures.labels.length === 0) {
        var box = canvas.parentElement;
        (box && box.classList.contains('chart-box') ? box : canvas).hidden = true;
        return;
      }
      new window.Chart(canvas, BUILDERS[name](figures, canvas));
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', draw);
  } else {
    draw();
  }
}());
