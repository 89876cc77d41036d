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

  // ---- Anchoring a comment to a passage of copy, or a spot or an area of a picture ----
  var SVG_NS = 'http://www.w3.org/2000/svg';

  function commentForm() { return document.getElementById('comment-form'); }
  // The hidden anchor fields, and the visible page field of a PDF's comment form.
  function anchorInput(form, name) {
    return form.querySelector('[data-anchor="' + name + '"], [name="' + name + '"]');
  }

  // Fill the form's anchor fields (missing names are emptied) and show or hide the preview.
  function setAnchor(form, values, preview) {
    ['type', 'start', 'end', 'x', 'y', 'w', 'h', 'page'].forEach(function (name) {
      var input = anchorInput(form, name);
      if (input) input.value = values[name] == null ? '' : String(values[name]);
    });
    var box = form.querySelector('[data-anchor-preview]');
    var clear = form.querySelector('[data-anchor-clear]');
    if (box) { box.textContent = preview || ''; box.hidden = !preview; }
    if (clear) clear.hidden = !preview;
  }

  function removeNewPins() {
    document.querySelectorAll('svg .pin-new').forEach(function (pin) { pin.remove(); });
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

  function svgElement(name, attrs) {
    var element = document.createElementNS(SVG_NS, name);
    Object.keys(attrs).forEach(function (key) { element.setAttribute(key, attrs[key]); });
    return element;
  }

  // A stage is a picture that takes pins: an image, or one page of a PDF (`data-page`).
  var PINNABLE = '[data-image-stage][data-pinnable]';

  // Draw the provisional mark: a pin at spot {x, y}, with an area when it has w and h.
  function drawNewMark(stage, spot) {
    removeNewPins();
    var svg = stage.querySelector('svg[data-pins]');
    if (!svg) return;
    if (spot.w != null) {
      svg.appendChild(svgElement('rect', { 'class': 'pin-new', x: percent(spot.x),
        y: percent(spot.y), width: percent(spot.w), height: percent(spot.h) }));
    }
    svg.appendChild(svgElement('circle',
      { 'class': 'pin-new', r: '13', cx: percent(spot.x), cy: percent(spot.y) }));
  }

  // Point the comment form at the spot (or area) of the stage, then let the reader type.
  function placeAnchor(stage, spot) {
    var form = commentForm();
    if (!form) return;
    var page = stage.getAttribute('data-page');
    var area = spot.w != null;
    setAnchor(form, { type: area ? 'rect' : 'point', x: spot.x, y: spot.y, w: spot.w, h: spot.h,
      page: page }, (area ? 'On the marked area' : 'Pin at the marked spot') +
      (page ? ' of page ' + page : ''));
    drawNewMark(stage, spot);
    var textarea = form.querySelector('textarea');
    if (textarea) textarea.focus();
  }

  function spotAt(img, event) {
    var box = img.getBoundingClientRect();
    if (!box.width || !box.height) return null;
    return { x: clamp((event.clientX - box.left) / box.width),
      y: clamp((event.clientY - box.top) / box.height) };
  }

  // A drag shorter than this (a fraction of the picture) each way is a click: a pin.
  var DRAG_MIN = 0.01;
  function areaBetween(from, to) {
    var w = Math.abs(to.x - from.x);
    var h = Math.abs(to.y - from.y);
    if (w < DRAG_MIN && h < DRAG_MIN) return null;
    var x = Math.min(from.x, to.x);
    var y = Math.min(from.y, to.y);
    // A thin area is widened to be seen, but never past the picture's edge.
    return { x: x, y: y, w: clamp(Math.min(Math.max(w, DRAG_MIN), 1 - x)),
      h: clamp(Math.min(Math.max(h, DRAG_MIN), 1 - y)) };
  }

  var drag = null;
  document.addEventListener('pointerdown', function (event) {
    var img = event.button === 0 && event.target instanceof Element &&
      event.target.closest(PINNABLE + ' img');
    var start = img && commentForm() && spotAt(img, event);
    if (!start) return;
    var touch = event.pointerType === 'touch';
    if (!touch) { // a finger's drag scrolls the page as usual; a finger only taps pins
      event.preventDefault();
      img.setPointerCapture(event.pointerId);
    }
    drag = { img: img, stage: img.closest('[data-image-stage]'), start: start, touch: touch };
  });
  document.addEventListener('pointermove', function (event) {
    var to = drag && !drag.touch && spotAt(drag.img, event);
    var area = to && areaBetween(drag.start, to);
    if (area) drawNewMark(drag.stage, area);
  });
  document.addEventListener('pointerup', function (event) {
    if (!drag) return;
    var done = drag;
    drag = null;
    var area = areaBetween(done.start, spotAt(done.img, event) || done.start);
    if (!(area && done.touch)) placeAnchor(done.stage, area || done.start);
  });
  document.addEventListener('pointercancel', function () { drag = null; });

  // The keyboard's way to pin: on a focused stage the arrow keys steer a crosshair (Shift for
  // big steps) and Enter or Space pins the comment there.
  var STEP = 0.02;
  var BIG_STEP = 0.1;
  var MOVES = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

  function crosshairAt(stage) {
    return { x: +(stage.getAttribute('data-crosshair-x') || 0.5),
      y: +(stage.getAttribute('data-crosshair-y') || 0.5) };
  }

  function showCrosshair(stage, say) {
    var svg = stage.querySelector('svg[data-pins]');
    if (!svg) return;
    var at = crosshairAt(stage);
    var cross = svg.querySelector('g.crosshair');
    if (!cross) {
      cross = svgElement('g', { 'class': 'crosshair' });
      cross.appendChild(svgElement('line', { y1: '0', y2: '100%' }));
      cross.appendChild(svgElement('line', { x1: '0', x2: '100%' }));
      svg.appendChild(cross);
    }
    var lines = cross.querySelectorAll('line');
    lines[0].setAttribute('x1', percent(at.x));
    lines[0].setAttribute('x2', percent(at.x));
    lines[1].setAttribute('y1', percent(at.y));
    lines[1].setAttribute('y2', percent(at.y));
    var status = stage.querySelector('[data-crosshair-status]');
    if (!status) {
      status = document.createElement('p');
      status.className = 'visually-hidden';
      status.setAttribute('aria-live', 'polite');
      status.setAttribute('data-crosshair-status', '');
      stage.appendChild(status);
    }
    status.textContent = say || 'Crosshair ' + Math.round(at.x * 100) + '% across, ' +
      Math.round(at.y * 100) + '% down.';
  }

  document.addEventListener('focusin', function (event) {
    var stage = event.target;
    if (stage instanceof Element && stage.matches(PINNABLE)) showCrosshair(stage);
  });
  document.addEventListener('focusout', function (event) {
    var stage = event.target;
    var cross = stage instanceof Element && stage.matches(PINNABLE) &&
      stage.querySelector('g.crosshair');
    if (cross) cross.remove();
  });
  document.addEventListener('keydown', function (event) {
    var stage = event.target;
    if (!(stage instanceof Element) || !stage.matches(PINNABLE)) return;
    var move = MOVES[event.key];
    if (move) {
      event.preventDefault();
      var step = event.shiftKey ? BIG_STEP : STEP;
      var at = crosshairAt(stage);
      stage.setAttribute('data-crosshair-x', clamp(at.x + move[0] * step));
      stage.setAttribute('data-crosshair-y', clamp(at.y + move[1] * step));
      showCrosshair(stage);
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      placeAnchor(stage, crosshairAt(stage));
    }
  });

  document.addEventListener('click', function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;

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

  // ---- Replies: the Reply link fills the form in place instead of reloading ----
  function setReply(form, id, author) {
    form.querySelector('[name="reply_to"]').value = id || '';
    var preview = form.querySelector('[data-reply-preview]');
    if (!preview) return;
    preview.querySelector('[data-reply-label]').textContent =
      id ? 'Replying to ' + author + '\u2019s comment' : '';
    preview.hidden = !id;
  }

  document.addEventListener('click', function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var form = commentForm();
    var reply = target.closest('a[data-reply]');
    var cancel = target.closest('[data-reply-cancel]');
    if (!form || !(reply || cancel)) return;
    event.preventDefault();
    if (cancel) { setReply(form, null); return; }
    var comment = reply.closest('li.comment');
    setReply(form, reply.getAttribute('data-reply'), comment.getAttribute('data-author'));
    form.querySelector('textarea').focus();
  });

  // A reply that arrives live goes after its parent's other replies, as on a fresh page.
  function nestReplies(list) {
    list.querySelectorAll('li.comment-reply:not(.comment-nested)').forEach(function (reply) {
      var parent = document.getElementById('comment-' + reply.getAttribute('data-reply-to'));
      if (!parent || parent.parentElement !== list || parent.classList.contains('comment-reply')) return;
      var last = parent;
      while (last.nextElementSibling && last.nextElementSibling.classList.contains('comment-nested')) {
        last = last.nextElementSibling;
      }
      reply.classList.add('comment-nested');
      last.after(reply);
    });
  }
  document.addEventListener('htmx:afterSwap', function (event) {
    var list = document.getElementById('comments-list');
    if (list && list.contains(event.target)) nestReplies(list);
  });

  // ---- Comparing two images: the newer laid over the older, uncovered by a slider ----
  document.addEventListener('DOMContentLoaded', function () {
    var layers = document.querySelector('[data-overlay-compare]');
    var range = document.querySelector('[data-overlay-range]');
    var top = layers && layers.querySelector('[data-overlay-top]');
    if (!top || !range) return;
    layers.classList.add('is-overlaid');
    range.closest('[data-overlay-control]').hidden = false;
    function uncover() { top.style.clipPath = 'inset(0 ' + (100 - range.value) + '% 0 0)'; }
    range.addEventListener('input', uncover);
    uncover();
  });

  // ---- Uploads: a progress bar fed by htmx (the response's own progress is not shown) ----
  document.addEventListener('htmx:xhr:progress', function (event) {
    var form = event.target;
    var detail = event.detail || {};
    if (!(form instanceof Element) || !form.matches('[data-upload-progress]')) return;
    var status = form.querySelector('[data-upload-status]');
    var bar = form.querySelector('[data-upload-bar]');
    if (!status || !bar || !detail.lengthComputable || !detail.total) return;
    status.hidden = false;
    bar.value = Math.max(bar.value, Math.round(detail.loaded / detail.total * 100));
  });

  // ---- Live updates: poll while the tab is visible (rarely when hidden), mark read only
  // while visible, and never redraw what the reader is editing or typing in ----
  var POLL_VISIBLE = 5000;
  var POLL_HIDDEN = 60000;
  var lastPoll = Date.now();

  function poll() {
    lastPoll = Date.now();
    if (window.htmx && document.getElementById('comment-poller')) htmx.trigger(document.body, 'poll-comments');
  }
  setInterval(function () {
    var every = document.visibilityState === 'visible' ? POLL_VISIBLE : POLL_HIDDEN;
    if (Date.now() - lastPoll >= every) poll();
  }, 1000);

  function markReadIfVisible() {
    var marker = document.getElementById('read-marker');
    // Staff viewing as a client leave no read marks (the server would refuse them).
    var viewingAs = document.body.hasAttribute('data-viewing-as');
    if (window.htmx && marker && marker.hasAttribute('hx-post') && document.visibilityState === 'visible' && !viewingAs) {
      htmx.trigger(marker, 'mark-read');
    }
  }
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState !== 'visible') return;
    poll();
    markReadIfVisible();
  });
  document.addEventListener('htmx:load', function (event) {
    var loaded = event.target;
    if (loaded.id === 'read-marker' || (loaded.querySelector && loaded.querySelector('#read-marker'))) {
      markReadIfVisible();
    }
  });

  function busy(element) {
    if (element.classList.contains('comment-editing')) return true;
    var active = document.activeElement;
    if (active && element.contains(active) && active.matches('input, textarea, select')) return true;
    return Array.prototype.some.call(element.querySelectorAll('textarea, input[type="text"]'), function (field) {
      return field.value !== field.defaultValue;
    });
  }
  // A provisional pin being placed survives its pins layer being redrawn.
  var keptPins = [];
  document.addEventListener('htmx:oobBeforeSwap', function (event) {
    var target = event.detail.target;
    if (busy(target)) { event.detail.shouldSwap = false; return; }
    keptPins = Array.prototype.slice.call(target.querySelectorAll('.pin-new'));
  });
  document.addEventListener('htmx:oobAfterSwap', function (event) {
    var target = event.detail.target;
    var layer = target && target.id && document.getElementById(target.id);
    if (layer && keptPins.length) keptPins.forEach(function (pin) { layer.appendChild(pin); });
    keptPins = [];
  });

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
