// Kehu's only script of its own. No inline scripts anywhere: the CSP forbids them.
document.addEventListener("DOMContentLoaded", () => {
  // Confirm dangerous actions: <form data-confirm="...">.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
