// The query page: YASGUI on this server's endpoint, with the project's example queries.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("coworkmed-config").textContent);
  // the endpoint's path, made absolute against this page's own address (YASGUI wants a URL)
  config.endpoint = new URL(config.endpoint, window.location.href).href;

  // Keep only the completion of variables: YASGUI's prefix, class and property completers ask
  // prefix.cc and lov.linkeddata.es, and this page must not reach beyond its own server.
  const completers = Yasgui.Yasqe.defaults.autocompleters;
  completers.splice(0, completers.length, ...completers.filter((name) => name === "variables"));

  const first = config.examples[0];
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: config.endpoint }] },
    persistenceId: "coworkmed-query",
    tabName: first ? first.title : "Query",
    yasqe: first ? { value: first.query } : {},
  });

  // A query handed over in the address (?query=...), as the observatory's figures link here.
  const handed = new URLSearchParams(window.location.search).get("query");
  if (handed) {
    yasgui.addTab(true, { name: "Query", yasqe: { value: handed } }).show();
  }

  document.querySelectorAll("button[data-example]").forEach((button) => {
    button.addEventListener("click", () => {
      const example = config.examples[Number(button.dataset.example)];
      const tab = yasgui.addTab(true, {
        name: example.title,
        yasqe: { value: example.query },
        requestConfig: { endpoint: config.endpoint },
      });
      tab.show();
    });
  });
  window.coworkmedYasgui = yasgui;
})();
