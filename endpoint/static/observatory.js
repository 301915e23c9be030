// The observatory dashboard: figures (Chart.js) and a clustered map (Leaflet) of the spaces,
// all following the same filters. Text from the data is only ever set as text, never as HTML.
"use strict";

(async function () {
  const config = JSON.parse(document.getElementById("observatory-config").textContent);
  const form = document.getElementById("filters");
  const container = document.getElementById("figures");
  const total = document.getElementById("total");
  const charts = [];
  const palette = ["#0b4f6c", "#1d8fc1", "#f29e4c", "#7fb069", "#c05746", "#8e7dbe", "#e4c440"];

  function chosen() {
    const params = new URLSearchParams();
    for (const select of form.querySelectorAll("select")) {
      if (select.value) params.set(select.name, select.value);
    }
    params.set("lang", config.lang);
    return params;
  }

  function element(tag, text, attributes) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    return node;
  }

  function label(figure, value) {
    return figure.labels[value] || String(value).replace(/^.*[/#]/, "");
  }

  // "1 place", "2 places": the forms by CLDR plural category (the server's table), chosen by the
  // browser's own CLDR rules
  const pluralRules = new Intl.PluralRules(config.lang);
  const numberFormat = new Intl.NumberFormat(config.lang);
  // a share as the language writes it ("14%" in Greek, "14 %" in French: CLDR, as the server)
  const percentFormat = new Intl.NumberFormat(config.lang, { style: "percent" });
  function counted(word, n) {
    const forms = config.plurals[word];
    const form = forms[pluralRules.select(n)] || forms.other;
    return form.replace("{n}", numberFormat.format(n));
  }

  function fill(text, values) {
    return Object.entries(values).reduce((out, [key, value]) => out.replace("{" + key + "}", value), text);
  }

  function table(figure) {
    const wrapper = element("div", null, { class: "table-wrapper", tabindex: "0", role: "region",
      "aria-label": figure.title });
    const grid = element("table", null, { class: "facts" });
    const head = grid.createTHead().insertRow();
    figure.headers.forEach((column) => head.appendChild(element("th", column, { scope: "col" })));
    const body = grid.createTBody();
    for (const row of figure.rows) {
      const line = body.insertRow();
      row.forEach((value, index) => {
        const named = typeof value === "string" && figure.labels[value];
        const shown = value === null ? config.words.no_source // no source covers it: not 0
          : typeof value === "number" ? numberFormat.format(value) : value;
        // a number is kept on one line: the grid's narrow columns split "141.039" into three
        const numeric = typeof value === "number" || value === null;
        line.appendChild(element("td", named || (index === 0 ? label(figure, value) : shown),
          numeric && !named ? { class: "number" } : undefined));
      });
    }
    wrapper.appendChild(grid);
    return wrapper;
  }

  function lines(text, width) {
    const found = [];
    for (const word of text.split(" ")) {
      const last = found.length - 1;
      if (last >= 0 && (found[last] + " " + word).length <= width) found[last] += " " + word;
      else found.push(word);
    }
    return found;
  }

  // one axis per unit (never workstations, m² and a count on one axis); counts in whole numbers;
  // every label shown: bars turn horizontal when there are many of them
  function chart(figure) {
    const canvas = element("canvas", null, { role: "img", "aria-label": figure.title });
    const horizontal = figure.chart === "bar" && figure.rows.length > 6;
    // a long label on lines of its words, so that a narrow screen cuts none
    const labels = figure.rows.map((row) => horizontal ? lines(label(figure, row[0]), 18) : label(figure, row[0]));
    const units = [...new Set(figure.series.map((column) => figure.units[figure.columns.indexOf(column)]))];
    const datasets = figure.series.map((column, index) => {
      const at = figure.columns.indexOf(column);
      const axis = units.indexOf(figure.units[at]) === 0 ? "value" : "other";
      return {
        label: figure.headers[at],
        data: figure.rows.map((row) => row[at]),
        backgroundColor: figure.chart === "doughnut" ? palette : palette[index % palette.length],
        borderColor: palette[index % palette.length],
        // both axes named: Chart.js would otherwise add a second category axis of its own
        ...(figure.chart === "doughnut" ? {} : horizontal
          ? { xAxisID: axis, yAxisID: "category" } : { xAxisID: "category", yAxisID: axis }),
      };
    });
    const valueAxis = (unit, side) => ({
      axis: horizontal ? "x" : "y",
      position: side,
      beginAtZero: true,
      title: { display: units.length > 1, text: config.units[figure.series.find(
        (column) => figure.units[figure.columns.indexOf(column)] === unit)] || unit },
      ticks: unit === "rate" ? {} : { precision: 0 },
      grid: { drawOnChartArea: side === (horizontal ? "bottom" : "left") },
    });
    const scales = {};
    if (figure.chart !== "doughnut") {
      scales.value = valueAxis(units[0], horizontal ? "bottom" : "left");
      if (units.length > 1) scales.other = valueAxis(units[1], horizontal ? "top" : "right");
      scales.category = { axis: horizontal ? "y" : "x", type: "category",
        ticks: { autoSkip: false, maxRotation: 60, minRotation: 0 } };
    }
    charts.push(
      new Chart(canvas, {
        type: figure.chart,
        data: { labels: labels, datasets: figure.chart === "doughnut" ? datasets.slice(0, 1) : datasets },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          indexAxis: horizontal ? "y" : "x",
          scales: scales,
          locale: config.lang,
          plugins: { legend: { display: figure.chart !== "bar" || datasets.length > 1 } },
        },
      }),
    );
    const box = element("div", null, { class: horizontal ? "chart tall" : "chart" });
    if (horizontal) {
      // room for every bar and its label's lines (a property, not an attribute: the CSP allows it)
      const most = Math.max(1, ...labels.map((lines) => lines.length));
      box.style.height = (4 + figure.rows.length * Math.max(1.7, 1.1 * most)) + "rem";
    }
    box.appendChild(canvas);
    return box;
  }

  function notes(figure, answer) {
    const found = [];
    const coverage = figure.coverage;
    if (coverage && !figure.empty && coverage.reporting < coverage.places) {
      found.push(fill(config.words[figure.coverage_note] || config.words.coverage, {
        reporting: numberFormat.format(coverage.reporting),
        places: numberFormat.format(coverage.places),
        share: percentFormat.format(Math.round((100 * coverage.reporting) / coverage.places) / 100),
      }));
    }
    if (figure.id === "06-years" && answer.headline.closed_undated > 0) {
      found.push(fill(config.words.closed_undated, { n: numberFormat.format(answer.headline.closed_undated) }));
    }
    return found;
  }

  function showHeadline(glance) {
    const list = document.querySelector("#headline ul");
    list.replaceChildren(...glance.texts.map((text) => element("li", text)));
    // the shares of rural places follow the filters too (the partners' and Eurostat's, apart)
    const shares = [config.words.places_note, glance.rural_text, glance.degurba_text].filter(Boolean);
    document.getElementById("shares").textContent = shares.join(" · ");
  }

  async function showFigures() {
    const params = chosen();
    const response = await fetch(config.figures + "?" + params);
    if (!response.ok) throw new Error("figures: HTTP " + response.status);
    const answer = await response.json();
    charts.splice(0).forEach((old) => old.destroy());
    container.replaceChildren();
    showHeadline(answer.headline);
    if (answer.headline.places === 0) {
      // nothing in the view: say so once, not once per figure
      container.appendChild(element("p", config.words.empty_view, { class: "empty-view", role: "status" }));
    }
    for (const figure of answer.headline.places === 0 ? [] : answer.figures) {
      const section = element("section", null, { id: "figure-" + figure.id, class: "figure" });
      section.appendChild(element("h3", figure.title));
      if (figure.empty) {
        section.appendChild(element("p", config.words["empty_" + figure.empty], { class: "empty" }));
        section.dataset.empty = figure.empty;
      } else {
        section.appendChild(figure.chart === "table" ? table(figure) : chart(figure));
        if (figure.chart !== "table") {
          // a chart's numbers as a table too: what a screen reader reads (WCAG 1.1.1), and the
          // exact figures a reader may want without the CSV (stranger 43)
          const numbers = element("details", null, { class: "chart-table" });
          numbers.appendChild(element("summary", config.words.chart_table));
          numbers.appendChild(table(figure));
          section.appendChild(numbers);
        }
      }
      for (const text of notes(figure, answer)) section.appendChild(element("p", text, { class: "note" }));
      const links = element("p", null, { class: "links" });
      links.appendChild(element("a", config.words.query, { href: figure.query_page }));
      links.appendChild(document.createTextNode(" · "));
      const csv = config.csv.replace("FIGURE", figure.id) + "?" + params;
      links.appendChild(element("a", config.words.csv, { href: csv, download: figure.id + ".csv" }));
      section.appendChild(links);
      container.appendChild(section);
    }
    const countries = answer.figures.find((figure) => figure.id === "01-country");
    const spaces = countries ? countries.rows.reduce((sum, row) => sum + row[1], 0) : 0;
    container.dataset.spaces = String(spaces);
    return answer;
  }

  // the map's keyboard-usable alternative: the records drawn, as a list of links
  const LISTED = 500;
  function showList(points) {
    const body = document.querySelector("#map-list tbody");
    body.replaceChildren(...points.slice(0, LISTED).map(([, , path, name]) => {
      const row = element("tr");
      const cell = element("td");
      cell.appendChild(element("a", name || config.words.unnamed, { href: path }));
      row.appendChild(cell);
      return row;
    }));
    document.getElementById("map-list-more").textContent = points.length > LISTED
      ? fill(config.words.map_list_more, { shown: numberFormat.format(LISTED), total: numberFormat.format(points.length) })
      : "";
  }

  const mapElement = document.getElementById("map");
  const map = await window.coworkmedBaseMap(mapElement, [41.5, 12.0], 4);
  let cluster = null;

  // the plugin's own icon, its count written as the reader's language writes numbers (2.390)
  function clusterIcon(group) {
    const count = group.getChildCount();
    const size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    const wide = count >= 1000; // "2.390" is wider than the plugin's 30 px disc
    const icon = element("div");
    icon.appendChild(element("span", numberFormat.format(count)));
    return L.divIcon({ html: icon,
      className: "marker-cluster marker-cluster-" + size + (wide ? " marker-cluster-wide" : ""),
      iconSize: wide ? L.point(50, 50) : L.point(40, 40) });
  }

  async function showPoints() {
    const response = await fetch(config.points + "?" + chosen());
    if (!response.ok) throw new Error("map: HTTP " + response.status);
    const answer = await response.json();
    if (cluster) map.removeLayer(cluster);
    cluster = L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false, iconCreateFunction: clusterIcon,
    });
    const markers = answer.points.map(([lat, lon, path, name]) => {
      const marker = L.circleMarker([lat, lon], { radius: 6, color: "#0b4f6c", fillOpacity: 0.8 });
      const link = element("a", name || path, { href: path });
      marker.bindPopup(link);
      return marker;
    });
    cluster.addLayers(markers);
    map.addLayer(cluster);
    // the markers' own bounds: the cluster adds them in chunks (chunkedLoading), so its bounds
    // may still be empty here on a busy machine ("Bounds are not valid")
    if (markers.length) {
      const bounds = L.latLngBounds(markers.map((marker) => marker.getLatLng()));
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 8 });
    }
    mapElement.dataset.points = String(markers.length);
    showList(answer.points);
    // the sources of the records shown, with their licence and attribution
    const list = document.querySelector("#credits ul");
    list.replaceChildren(
      ...answer.sources.map((source) => {
        const item = element("li", (source.attribution || source.source) + " — ", {
          "data-source": source.source,
        });
        if (source.licence) {
          item.appendChild(element("a", source.licence, { rel: "license", href: source.licence }));
        } else {
          item.appendChild(document.createTextNode(config.words.no_licence));
        }
        // the source's own date (issued), then since when it is in this version (modified), as
        // the language writes dates (the server's, babel: the ISO dates beside "3 Δεκεμβρίου 2026")
        const dates = [
          source.issued ? fill(config.words.credit_issued, { date: source.issued_text || source.issued }) : null,
          source.modified ? fill(config.words.credit_date, { date: source.modified_text || source.modified }) : null,
        ].filter(Boolean);
        if (dates.length) item.appendChild(document.createTextNode(" (" + dates.join(", ") + ")"));
        return item;
      }),
    );
    total.textContent = counted("on_map", markers.length);
  }

  // The choropleth: NUTS-3 regions coloured by the figure config.choropleth (first column the
  // region's IRI, column per_100k the value): none, then four classes of equal counts; grey where no
  // source covers the region (no source yet, never 0) or the reference gives no population.
  const choroplethElement = document.getElementById("choropleth");
  const choropleth = await window.coworkmedBaseMap(choroplethElement, [41.5, 12.0], 4);
  const ramp = ["#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704"];
  const outlines = await (await fetch(config.regions)).json();
  let shaded = null;
  let legend = null;

  function breaks(values) {
    const sorted = values.filter((v) => v > 0).sort((a, b) => a - b);
    if (!sorted.length) return [];
    return [1, 2, 3].map((k) => sorted[Math.floor((k * sorted.length) / 4)] ?? sorted[sorted.length - 1]);
  }

  function colour(value, limits) {
    if (value === undefined || value === null) return "#cccccc";
    if (value <= 0) return ramp[0];
    const index = limits.findIndex((limit) => value < limit);
    return ramp[index === -1 ? ramp.length - 1 : index + 1];
  }

  function showChoropleth(answer) {
    const figure = answer.figures.find((each) => each.id === config.choropleth);
    const rate = figure ? figure.columns.indexOf("per_100k") : -1;
    const values = new Map((figure && rate > 0 ? figure.rows : []).map((row) => [row[0], row[rate]]));
    const limits = breaks([...values.values()]);
    if (shaded) choropleth.removeLayer(shaded);
    shaded = L.geoJSON(outlines, {
      style: (feature) => ({
        color: "#555", weight: 0.5, fillOpacity: 0.85,
        fillColor: colour(values.get(feature.id), limits),
      }),
      onEachFeature: (feature, layer) => {
        const value = values.get(feature.id);
        const text = feature.properties.name + " (" + feature.properties.code + "): " +
          (value === undefined ? config.words.no_data
            : value === null ? config.words.no_source : numberFormat.format(value));
        layer.bindTooltip(element("span", text));
      },
    }).addTo(choropleth);
    // a tooltip makes each of the ~1,500 region outlines a Tab stop (Leaflet 1.9): keyboard users
    // get the same values from the per-region table figures instead of tabbing through them all
    shaded.eachLayer((layer) => {
      const outline = layer.getElement && layer.getElement();
      if (outline) outline.setAttribute("tabindex", "-1");
    });
    if (legend) legend.remove();
    legend = L.control({ position: "bottomright" });
    legend.onAdd = () => {
      const box = element("div", null, { class: "legend" });
      const names = ["0", "> 0", ...limits.map((limit) => "≥ " + numberFormat.format(limit))];
      const colours = [...ramp.slice(0, names.length), "#cccccc"];
      [...names, config.words.no_source].forEach((name, index) => {
        const line = element("div");
        const swatch = element("i");
        swatch.style.background = colours[index]; // a property, not an attribute: the CSP allows it
        line.appendChild(swatch);
        line.appendChild(document.createTextNode(name));
        box.appendChild(line);
      });
      return box;
    };
    legend.addTo(choropleth);
    choroplethElement.dataset.regions = String([...values.values()].filter((v) => v > 0).length);
  }

  async function refresh() {
    // the figures shown are the last choice's until the new ones come: dimmed, busy, said so
    document.body.dataset.loading = "true";
    container.setAttribute("aria-busy", "true");
    total.textContent = config.words.loading;
    const [answer] = await Promise.all([showFigures(), showPoints()]);
    showChoropleth(answer);
    const params = chosen();
    window.history.replaceState(null, "", "?" + params);
    container.setAttribute("aria-busy", "false");
    document.body.dataset.loading = "false";
  }

  form.addEventListener("change", () => {
    refresh();
  });
  await refresh();
})();
