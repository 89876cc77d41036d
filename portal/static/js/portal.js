/* Portal: small progressive enhancements. No dependencies; no inline handlers (CSP). */
(function () {
  'use strict';

  // Ask before destructive submissions. A `data-confirm` attribute on the
  // submit button (preferred) or on the form holds the question. Listening in
  // the capture phase on document runs before htmx's own submit listener on the
  // form, so a declined confirmation stops both normal and htmx submissions.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;

    var submitter = event.submitter;
    var source = null;
    if (submitter && submitter.hasAttribute('data-confirm')) {
      source = submitter;
    } else if (form.hasAttribute('data-confirm')) {
      source = form;
    }
    if (!source) return;

    var question = source.getAttribute('data-confirm') || 'Are you sure?';
    if (!window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A time zone select marked `data-browser-timezone` starts at the browser's own zone,
  // when the list has it; without JavaScript the server's default stays.
  document.addEventListener('DOMContentLoaded', function () {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (error) { return; }
    document.querySelectorAll('select[data-browser-timezone]').forEach(function (select) {
      if (zone && select.querySelector('option[value="' + CSS.escape(zone) + '"]')) select.value = zone;
    });
  });

  // ---- Anchoring a comment to a passage of copy or a spot on an image ----
  var SVG_NS = 'http://www.w3.org/2000/svg';

  function commentForm() { return document.getElementById('comment-form'); }
  function anchorInput(form, name) { return form.querySelector('[data-anchor="' + name + '"]'); }

  // Fill the form's anchor fields (missing names are emptied) and show or hide the preview.
  function setAnchor(form, values, preview) {
    ['type', 'start', 'end', 'x', 'y'].forEach(function (name) {
      var input = anchorInput(form, name);
      if (input) input.value = values[name] == null ? '' : String(values[name]);
    });
    var box = form.querySelector('[data-anchor-preview]');
    var clear = form.querySelector('[data-anchor-clear]');
    if (box) { box.textContent = preview || ''; box.hidden = !preview; }
    if (clear) clear.hidden = !preview;
  }

  function removeNewPins() {
    document.querySelectorAll('circle.pin-new').forEach(function (pin) { pin.remove(); });
  }

  // Characters of text before the boundary point (node, offset) inside container.
  function textOffset(container, node, offset) {
    var probe = document.createRange();
    probe.setStart(node, offset);
    var walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
    var total = 0;
    var text = null;
    while ((text = walker.nextNode())) {
      if (text === node) return total + offset;
      if (probe.comparePoint(text, 0) >= 0) return total; // this text starts at or after the point
      total += text.length;
    }
    return total;
  }

  function onSelectionEnd() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return;
    var range = selection.getRangeAt(0);
    var common = range.commonAncestorContainer;
    var element = common.nodeType === Node.ELEMENT_NODE ? common : common.parentElement;
    var container = element && element.closest('[data-copy-body][data-selectable]');
    var form = commentForm();
    if (!container || !form) return;
    var start = textOffset(container, range.startContainer, range.startOffset);
    var end = textOffset(container, range.endContainer, range.endOffset);
    var quote = container.textContent.slice(start, end);
    if (end <= start || !quote.trim()) return;
    setAnchor(form, { type: 'passage', start: start, end: end },
      'On \u201c' + quote.slice(0, 120) + (quote.length > 120 ? '\u2026' : '') + '\u201d');
  }
  document.addEventListener('mouseup', onSelectionEnd);
  document.addEventListener('keyup', onSelectionEnd);

  function clamp(value) { return Math.round(Math.min(1, Math.max(0, value)) * 10000) / 10000; }
  function percent(value) { return +(value * 100).toFixed(2) + '%'; }

  document.addEventListener('click', function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;

    var img = target.closest('[data-image-stage][data-pinnable] img');
    if (img) {
      var form = commentForm();
      if (!form) return;
      var rect = img.getBoundingClientRect();
      if (!rect.width || !rect.height) return;
      var x = clamp((event.clientX - rect.left) / rect.width);
      var y = clamp((event.clientY - rect.top) / rect.height);
      setAnchor(form, { type: 'point', x: x, y: y }, 'Pin at the marked spot');
      removeNewPins();
      var svg = img.closest('[data-image-stage]').querySelector('svg[data-pins]');
      if (svg) {
        var pin = document.createElementNS(SVG_NS, 'circle');
        var attrs = { 'class': 'pin-new', r: '13', cx: percent(x), cy: percent(y) };
        Object.keys(attrs).forEach(function (name) { pin.setAttribute(name, attrs[name]); });
        svg.appendChild(pin);
      }
      var textarea = form.querySelector('textarea');
      if (textarea) textarea.focus();
      return;
    }

    var clear = target.closest('[data-anchor-clear]');
    if (clear) {
      var owner = clear.closest('form') || commentForm();
      if (owner) setAnchor(owner, {}, '');
      removeNewPins();
    }
  });

  // A fresh comment form after posting: drop the provisional pin, unless the form
  // came back with its anchor kept (e.g. a validation error).
  function onFormSwapped(event) {
    var detail = event.detail || {};
    var touched = [event.target, detail.elt, detail.target].some(function (el) {
      return el && el.id === 'comment-form';
    });
    var form = commentForm();
    var type = form && anchorInput(form, 'type');
    if (touched && type && !type.value) removeNewPins();
  }
  document.addEventListener('htmx:afterSwap', onFormSwapped);
  document.addEventListener('htmx:load', onFormSwapped);

  // ---- Failed htmx requests: say so instead of failing silently ----
  function showError(message) {
    var main = document.querySelector('main');
    if (!main) return;
    var old = main.querySelector('[data-request-error]');
    if (old) old.remove();
    var flashes = main.querySelector(':scope > .flashes');
    if (!flashes) {
      flashes = document.createElement('div');
      flashes.className = 'flashes';
      main.insertBefore(flashes, main.firstChild);
    }
    var banner = document.createElement('p');
    banner.className = 'flash flash-error';
    banner.setAttribute('role', 'alert');
    banner.setAttribute('data-request-error', '');
    banner.textContent = message;
    flashes.appendChild(banner);
  }
  document.addEventListener('htmx:responseError', function (event) {
    var xhr = event.detail && event.detail.xhr;
    showError("That didn't work (error " + (xhr ? xhr.status : '?') + '). Please try again.');
  });
  document.addEventListener('htmx:sendError', function () {
    showError('You seem to be offline. Please try again.');
  });
})();
