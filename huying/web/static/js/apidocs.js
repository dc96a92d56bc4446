// Swagger UI over our own OpenAPI document (the page's CSP allows no inline script).
(() => {
  const el = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({ url: el.dataset.spec, dom_id: "#swagger-ui", deepLinking: true });
})();
