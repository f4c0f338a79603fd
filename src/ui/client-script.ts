/**
 * The app's only script, served as /assets/ui.js (CSP: script-src 'self'). It writes text with textContent only,
 * never HTML, so nothing from the store can become markup. Two jobs: live progress over server-sent events, and
 * the volume slider (the server recomputes economics and the pick; the page updates its cells and chart).
 */
export const CLIENT_SCRIPT = `'use strict';
(function () {
  function $(sel) { return document.querySelector(sel); }
  function each(sel, fn) { document.querySelectorAll(sel).forEach(fn); }

  var live = document.querySelectorAll('[data-live-run]');
  if (live.length && window.EventSource) {
    var watched = {};
    live.forEach(function (el) { watched[el.getAttribute('data-live-run')] = true; });
    var source = new EventSource('/events/runs');
    source.addEventListener('progress', function (event) {
      var run = JSON.parse(event.data);
      if (!watched[run.runId]) return;
      each('[data-status="' + run.runId + '"]', function (el) { el.textContent = run.status; el.className = 'status-' + run.status; });
      run.rungs.forEach(function (r) {
        var key = run.runId + '|' + r.rungId;
        each('[data-progress="' + key + '"]', function (el) {
          el.textContent = r.text;
        });
        each('progress[data-bar="' + key + '"]', function (el) {
          if (r.decided) el.remove();
          else if (r.total) { el.max = r.total; el.value = r.done; }
        });
      });
      if (run.status !== 'running' && document.body.querySelector('[data-reload-when-done="' + run.runId + '"]')) location.reload();
    });
  }

  var slider = $('#volume');
  if (slider) {
    var runId = slider.getAttribute('data-run');
    var pending;
    var update = function () {
      var volume = Math.round(Math.pow(10, Number(slider.value)));
      $('#volume-value').textContent = volume.toLocaleString('en-US');
      clearTimeout(pending);
      pending = setTimeout(function () {
        fetch('/runs/' + encodeURIComponent(runId) + '/economics?volume=' + volume).then(function (r) { return r.json(); }).then(function (e) {
          if (String(e.volume) !== String(volume)) return;
          $('#pick').textContent = e.pick || 'none';
          var reasons = $('#reasons');
          reasons.replaceChildren.apply(reasons, e.reasons.map(function (text) { var li = document.createElement('li'); li.textContent = text; return li; }));
          e.rungs.forEach(function (r) {
            each('[data-cell="' + r.rungId + '|monthly"]', function (el) { el.textContent = r.monthly; });
            each('[data-cell="' + r.rungId + '|per1k"]', function (el) { el.textContent = r.per1k; });
            each('[data-cell="' + r.rungId + '|verdict"]', function (el) { el.textContent = r.verdict; el.className = r.eligible ? 'pass' : 'fail'; });
            each('tr[data-rung="' + r.rungId + '"]', function (el) { el.className = r.rungId === e.pick ? 'pick' : ''; });
          });
          $('#pareto').src = '/runs/' + encodeURIComponent(runId) + '/pareto.svg?volume=' + volume;
          $('#pareto').setAttribute('data-volume', String(volume));
          $('#cost-volume').src = '/runs/' + encodeURIComponent(runId) + '/cost-volume.svg?volume=' + volume;
        });
      }, 120);
    };
    slider.addEventListener('input', update);
  }
})();
`;
