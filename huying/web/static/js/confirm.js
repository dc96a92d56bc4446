// A destructive form asks first: <form data-confirm="…"> submits only when the person
// confirms the sentence (which says what will happen). No inline handlers (the CSP has
// script-src 'self').
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
