// TaskFlow dashboard: our own small script (no framework). Live updates over server-sent events, paused while the
// tab is hidden; a change re-fetches this page's <main> (fetch, partial) unless the user is selecting or typing;
// confirmation before every action; select-all checkboxes.
(() => {
  'use strict';
  const body = document.body;
  const badge = document.getElementById('live');
  let source = null;
  let busy = false;
  let missed = false;

  function setBadge(text, paused) {
    if (!badge) return;
    badge.textContent = text;
    badge.classList.toggle('paused', paused);
  }

  function open() {
    if (source || !body.dataset.events || !window.EventSource) return;
    source = new EventSource(body.dataset.events);
    source.addEventListener('change', () => refresh());
    source.onopen = () => setBadge('live', false);
    source.onerror = () => setBadge('reconnecting', true);
  }

  function close() {
    if (source) { source.close(); source = null; }
    setBadge('paused', true);
  }

  // A form control whose value the user changed and has not submitted yet (a filter being set up, say).
  function formIsDirty(main) {
    for (const el of main.querySelectorAll('form input, form select, form textarea')) {
      if (el.type === 'hidden' || el.type === 'submit' || el.type === 'button') continue;
      if (el.type === 'checkbox' || el.type === 'radio') {
        if (el.checked !== el.defaultChecked) return true;
      } else if (el.tagName === 'SELECT') {
        // With no option marked selected the browser shows the first: that is the default, not a change.
        const options = Array.from(el.options);
        if (el.multiple) {
          if (options.some(option => option.selected !== option.defaultSelected)) return true;
        } else {
          const initial = options.find(option => option.defaultSelected) || options[0];
          if (initial && !initial.selected) return true;
        }
      } else if (el.value !== el.defaultValue) {
        return true;
      }
    }
    return false;
  }

  function userIsBusy(main) {
    if (main.querySelector('input[type=checkbox][name=id]:checked')) return true;
    if (formIsDirty(main)) return true;
    const active = document.activeElement;
    return active && main.contains(active) && active.matches('input, select, textarea');
  }

  async function refresh() {
    const main = document.getElementById('main');
    if (!main) return;
    if (busy || userIsBusy(main)) { missed = true; return; }
    busy = true;
    missed = false;
    try {
      const response = await fetch(location.href, { headers: { 'X-TaskFlow-Partial': '1' }, credentials: 'same-origin' });
      if (response.ok) {
        const html = await response.text();
        // the user started selecting or typing while the page was fetched: keep what they see, refresh later
        if (userIsBusy(main)) { missed = true; return; }
        // disclosures the user opened (a stack trace) stay open: the page's structure is the same from one refresh to the next
        const opened = Array.from(main.querySelectorAll('details'), (d) => d.open);
        main.innerHTML = html;
        main.querySelectorAll('details').forEach((d, i) => { if (opened[i]) d.open = true; });
        body.dataset.refreshed = String(Date.now());
        body.dataset.refreshes = String(Number(body.dataset.refreshes || '0') + 1);
      }
    } catch (e) {
      setBadge('offline', true);
    } finally {
      busy = false;
    }
  }

  document.addEventListener('visibilitychange', () => {
    if (document.hidden) { close(); } else { open(); refresh(); }
  });

  // Confirmation: the submitting button's or the form's data-confirm; "confirmed" tells the server not to ask again.
  document.addEventListener('submit', (event) => {
    const form = event.target;
    const submitter = event.submitter;
    const question = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (!question) return;
    if (form.classList.contains('selection') && !form.querySelector('input[type=checkbox][name=id]:checked') &&
        submitter && !submitter.dataset.all) {
      event.preventDefault();
      alert('Select at least one row first.');
      return;
    }
    if (!window.confirm(question)) { event.preventDefault(); return; }
    const confirmed = form.querySelector('input[name=confirmed]');
    if (confirmed) confirmed.value = 'yes';
  });

  document.addEventListener('change', (event) => {
    const target = event.target;
    if (target.matches('input[data-select-all]')) {
      const scope = target.closest('table') || document;
      scope.querySelectorAll('input[type=checkbox][name=id]').forEach((box) => { box.checked = target.checked; });
    }
    const main = document.getElementById('main');
    if (missed && main && !userIsBusy(main)) refresh();
  });

  if (!document.hidden) open(); else setBadge('paused', true);
})();
