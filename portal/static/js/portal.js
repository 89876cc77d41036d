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
})();
