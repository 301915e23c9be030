// The query page: YASGUI on this server's endpoint, with the project's example queries.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("coworkmed-config").textContent);
  // the endpoint's path, made absolute against this page's own address (YASGUI wants a URL)
  config.endpoint = new URL(config.endpoint, window.location.href).href;

  // Results: an IRI this server serves links to its page here (the IRI itself stays shown), and
  // a number reads as a number in the page's language, not as "3"^^xsd:integer.
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const NUMBERS = new Set(["integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
    "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"].map((name) => XSD + name));
  const numberFormat = new Intl.NumberFormat(config.lang, { maximumFractionDigits: 6 });

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  }

  function localPage(iri) {
    const space = config.localPages.find(([base]) => iri.startsWith(base));
    return space ? space[1] + iri.slice(space[0].length) : null;
  }

  function shortened(iri, prefixes) {
    for (const label in prefixes || {}) {
      if (prefixes[label] && iri.startsWith(prefixes[label])) {
        return label + ":" + iri.slice(prefixes[label].length);
      }
    }
    return null;
  }

  const Table = Yasgui.Yasr.plugins.table;
  const yasrCell = Table.prototype.getCellContent;
  Table.prototype.getCellContent = function (binding, prefixes) {
    if (binding.type === "uri") {
      const here = localPage(binding.value);
      if (here !== null) {
        const short = shortened(binding.value, prefixes);
        const shown = short === null ? `&lt;${escapeHtml(binding.value)}&gt;` : escapeHtml(short);
        const title = `${config.words.iriHere} ${binding.value}`;
        return `<div><span><a class="iri local" href="${escapeHtml(here)}"` +
          ` title="${escapeHtml(title)}">${shown}</a></span></div>`;
      }
    } else if (NUMBERS.has(binding.datatype) && binding.value.trim() !== "" &&
               Number.isFinite(Number(binding.value))) {
      const shown = numberFormat.format(Number(binding.value));
      return `<div><span class="nonIri number" title="${escapeHtml(binding.value)}">` +
        `${escapeHtml(shown)}</span></div>`;
    }
    return yasrCell.call(this, binding, prefixes);
  };

  // YASGUI's own words in the page's language (query-page.yaml): DataTables' words through the
  // table's configuration, the count of results in the language's plural forms, and the
  // names of its buttons (below, in mend) since YASGUI writes them in English.
  const said = config.yasgui;
  if (Table.defaults && Table.defaults.tableConfig) Table.defaults.tableConfig.language = {
    info: said["table-info"], infoEmpty: said["table-empty"], emptyTable: said["table-empty"],
    zeroRecords: said["table-empty"], paginate: { previous: said.previous, next: said.next },
  };
  const plurals = new Intl.PluralRules(config.lang);
  const secondsFormat = new Intl.NumberFormat(config.lang, { maximumFractionDigits: 3 });
  const Yasr = Yasgui.Yasr;
  const yasrInfo = Yasr.prototype.updateResponseInfo;
  Yasr.prototype.updateResponseInfo = function () {
    yasrInfo.call(this);
    if (!this.results || !this.dataElement) return;
    const parts = [];
    const bindings = this.results.getBindings();
    if (bindings) {
      const forms = config.results;
      const form = forms[plurals.select(bindings.length)] || forms.other;
      parts.push(form.replace("{count}", numberFormat.format(bindings.length)));
    }
    const time = this.results.getResponseTime();
    if (time) parts.push(said.seconds.replace("{seconds}", secondsFormat.format(time / 1000)));
    if (parts.length) this.dataElement.textContent = parts.join(" · ");
  };

  // YASGUI's English words written as text -> the page's
  const ENGLISH = new Map([
    ["Table", said.table], ["Response", said.response], ["Simple view", said["simple-view"]],
    ["Ellipse", said.ellipse], ["Download result", said.download], ["Show all", said["show-all"]],
    ["Shorten", said.shorten], ["Page size:", said["page-size-label"]],
  ]);

  // Keep only the completion of variables: YASGUI's prefix, class and property completers ask
  // prefix.cc and lov.linkeddata.es, and this page must not reach beyond its own server.
  const completers = Yasgui.Yasqe.defaults.autocompleters;
  completers.splice(0, completers.length, ...completers.filter((name) => name === "variables"));

  const first = config.examples[0];
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    // the address's ?query= is handed to a tab of its own below; YASGUI reading it too sent it
    // at once from another tab, mangled (stranger 43: a figure's link gave a 400 on arrival)
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: config.endpoint }] },
    persistenceId: "coworkmed-query",
    tabName: first ? first.title : config.words.query,
    yasqe: first ? { value: first.query } : {},
  });

  // A query handed over in the address (?query=...), as the observatory's figures link here.
  const handed = new URLSearchParams(window.location.search).get("query");
  if (handed) {
    yasgui.addTab(true, { name: config.words.query, yasqe: { value: handed } }).show();
  }

  // YASGUI focuses its editor when it draws a tab: on a phone the page opened scrolled down to
  // the editor, the heading and the examples out of view. Unless the address names a place in
  // the page, it opens at its top with nothing focused; a reader's own click on an example
  // still takes them to the editor.
  function openAtTop() {
    if (window.location.hash) return;
    const active = document.activeElement;
    if (active && document.getElementById("yasgui").contains(active)) active.blur();
    window.scrollTo(0, 0);
  }
  openAtTop();
  window.setTimeout(openAtTop, 0);

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
  // YASGUI's own controls, given the names and roles WCAG asks for: the endpoint field, the
  // editor, the page-size choice; the "new tab" button in the tab list given the role of a tab
  // (a tab list holds tabs only, and YASGUI needs the button there); the editor's scrolling box reachable by keyboard. YASGUI redraws its
  // parts, so this runs again whenever they change.
  function mend() {
    const root = document.getElementById("yasgui");
    const named = [
      [".autocompleteWrapper input.autocomplete", config.words.endpoint],
      [".CodeMirror textarea", config.words.query],
      ["select.tableSizer", config.words.pageSize],
      [".dataTables_filter input, .yasr input[type=search]", config.words.filter],
    ];
    // YASGUI's buttons and labels, in the page's language: [selector, words, what to set]
    const worded = [
      [".yasqe_queryButton", said.run, ["title", "aria-label"]],
      [".yasqe_share", said.share, ["title", "aria-label"]],
      [".tabsList button.addTab", said["add-tab"], ["title", "aria-label"]],
      [".yasr_downloadIcon, .overlay_btn[title='Download result']", said.download, ["title", "aria-label"]],
      [".overlay_btn[title='Show all']", said["show-all"], ["title"]],
      [".yasr_btn.select_table", said.table, ["title", "aria-label"]],
      [".yasr_btn.select_response", said.response, ["title", "aria-label"]],
      ["input.tableFilter", config.words.filter, ["placeholder", "aria-label"]],
    ];
    worded.forEach(([selector, text, fields]) => {
      root.querySelectorAll(selector).forEach((element) => {
        fields.forEach((field) => {
          if (field === "text") {
            if (element.textContent !== text) element.textContent = text;
          } else if (element.getAttribute(field) !== text) {
            element.setAttribute(field, text);
          }
        });
      });
    });
    // the words YASGUI writes as text, found by their English (two switches share a class)
    root.querySelectorAll(".yasr span, .yasr button, .yasr label, .yasqe button").forEach((element) => {
      if (element.children.length === 0 && ENGLISH.has(element.textContent.trim())) {
        element.textContent = ENGLISH.get(element.textContent.trim());
      }
    });
    named.forEach(([selector, name]) => {
      root.querySelectorAll(selector).forEach((element) => {
        if (!element.hasAttribute("aria-label")) element.setAttribute("aria-label", name);
      });
    });
    root.querySelectorAll(".tabsList button.addTab:not([role])").forEach((button) => {
      button.setAttribute("role", "tab");
      button.setAttribute("aria-selected", "false");
    });
    root.querySelectorAll(".CodeMirror-scroll:not([tabindex=\"0\"])").forEach((box) => {
      box.setAttribute("tabindex", "0");
      box.setAttribute("aria-label", config.words.query);
    });
  }
  let pending = null;
  new MutationObserver(() => {
    if (pending === null) pending = window.requestAnimationFrame(() => { pending = null; mend(); });
  }).observe(document.getElementById("yasgui"), { childList: true, subtree: true });
  mend();
  window.coworkmedYasgui = yasgui;
})();
