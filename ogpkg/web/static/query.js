// The query page: YASGUI against this endpoint, the example queries, downloads and a chart.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("query-data").textContent);
  // read before YASGUI starts: it rewrites the address when it reads its own parameters
  const params = new URLSearchParams(window.location.search);
  const wanted = decodeURIComponent(window.location.hash.slice(1));
  const Ctor = window.Yasgui.default || window.Yasgui.Yasgui || window.Yasgui;
  const endpoint = new URL("/sparql", window.location.href).href;
  // the endpoints this page may send queries to: its own and those the server's
  // ui_endpoints setting names (the Content-Security-Policy allows no others)
  const allowed = [endpoint].concat(data.endpoints || []);
  const yasgui = new Ctor(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: {
      getData: function () { return allowed.map(function (e) { return { endpoint: e }; }); },
    },
    persistenceId: null,
    // a shared link names its endpoint (?endpoint=); one not allowed is replaced by our own
    populateFromUrl: function (config) {
      if (config.requestConfig && allowed.indexOf(config.requestConfig.endpoint) < 0) {
        config.requestConfig.endpoint = endpoint;
      }
      return config;
    },
    yasqe: { value: data.initial },
    yasr: { prefixes: data.prefixes },
  });

  function tab() { return yasgui.getTab(); }

  // Accessibility fixes for YASGUI's markup: names for its fields, a focusable editor scroll
  // area, and no tablist role where its children are not tabs.
  function accessible() {
    const root = document.getElementById("yasgui");
    root.querySelectorAll(".tabsList[role], .tabsList [role='tab']").forEach(function (el) {
      ["role", "aria-selected", "aria-controls"].forEach(function (a) { el.removeAttribute(a); });
    });
    root.querySelectorAll("input.autocomplete").forEach(function (el) {
      el.setAttribute("aria-label", "SPARQL endpoint");
    });
    root.querySelectorAll("textarea").forEach(function (el) {
      el.setAttribute("aria-label", "SPARQL query");
    });
    root.querySelectorAll(".CodeMirror-scroll").forEach(function (el) {
      el.setAttribute("tabindex", "0");
      el.setAttribute("aria-label", "SPARQL query editor");
    });
  }
  accessible();

  function run(name) {
    const example = data.examples.find(function (e) { return e.name === name; });
    if (!example) { return; }
    tab().setQuery(example.text);
    tab().query();
    history.replaceState(null, "", "#" + encodeURIComponent(name));
  }

  document.querySelectorAll("button[data-example]").forEach(function (button) {
    button.addEventListener("click", function () { run(button.dataset.example); });
  });

  function updateDownloads() {
    const query = tab().getQuery();
    const graph = /^\s*(?:(?:PREFIX|BASE)[^\n]*\n|#[^\n]*\n|\s)*(CONSTRUCT|DESCRIBE)/i.test(query);
    const formats = graph ? ["turtle", "ntriples", "nquads", "trig", "rdfxml", "jsonld"]
                          : ["json", "xml", "csv", "tsv"];
    const list = document.getElementById("downloads");
    list.textContent = "";
    formats.forEach(function (f) {
      const a = document.createElement("a");
      a.href = "/sparql?" + new URLSearchParams({ query: query, format: f }).toString();
      a.textContent = f;
      a.setAttribute("download", "result." + f);
      const li = document.createElement("li");
      li.appendChild(a);
      list.appendChild(li);
    });
    const share = document.getElementById("share");
    share.href = window.location.pathname + "?" + new URLSearchParams({ query: query }).toString();
  }

  yasgui.on("queryResponse", function () {
    accessible();
    updateDownloads();
    const results = tab().getYasr().results;
    window.ogpkgChart(document.getElementById("chart"), results ? results.getAsJson() : null);
  });
  updateDownloads();

  if (params.get("query")) {
    tab().setQuery(params.get("query"));
    tab().query();
  } else if (wanted) {
    run(wanted);
  }
})();
