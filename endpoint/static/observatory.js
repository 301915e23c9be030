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

  function table(figure) {
    const wrapper = element("div", null, { class: "table-wrapper" });
    const grid = element("table", null, { class: "facts" });
    const head = grid.createTHead().insertRow();
    figure.columns.forEach((column) => head.appendChild(element("th", column)));
    const body = grid.createTBody();
    for (const row of figure.rows) {
      const line = body.insertRow();
      row.forEach((value, index) => {
        const named = typeof value === "string" && figure.labels[value];
        const shown = value === null ? config.words.no_source : value; // no source covers it: not 0
        line.appendChild(element("td", named || (index === 0 ? label(figure, value) : shown)));
      });
    }
    wrapper.appendChild(grid);
    return wrapper;
  }

  function chart(figure) {
    const canvas = element("canvas", null, { role: "img", "aria-label": figure.title });
    const labels = figure.rows.map((row) => label(figure, row[0]));
    const datasets = figure.columns.slice(1).map((column, index) => ({
      label: column,
      data: figure.rows.map((row) => row[index + 1]),
      backgroundColor:
        figure.chart === "doughnut" ? palette : palette[index % palette.length],
      borderColor: palette[index % palette.length],
    }));
    charts.push(
      new Chart(canvas, {
        type: figure.chart,
        data: { labels: labels, datasets: figure.chart === "doughnut" ? datasets.slice(0, 1) : datasets },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          plugins: { legend: { display: figure.chart !== "bar" || datasets.length > 1 } },
        },
      }),
    );
    const box = element("div", null, { class: "chart" });
    box.appendChild(canvas);
    return box;
  }

  async function showFigures() {
    const params = chosen();
    const response = await fetch(config.figures + "?" + params);
    if (!response.ok) throw new Error("figures: HTTP " + response.status);
    const answer = await response.json();
    charts.splice(0).forEach((old) => old.destroy());
    container.replaceChildren();
    for (const figure of answer.figures) {
      const section = element("section", null, { id: "figure-" + figure.id, class: "figure" });
      section.appendChild(element("h2", figure.title));
      section.appendChild(figure.chart === "table" ? table(figure) : chart(figure));
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

  const mapElement = document.getElementById("map");
  const map = await window.coworkmedBaseMap(mapElement, [41.5, 12.0], 4);
  let cluster = null;

  async function showPoints() {
    const response = await fetch(config.points + "?" + chosen());
    if (!response.ok) throw new Error("map: HTTP " + response.status);
    const answer = await response.json();
    if (cluster) map.removeLayer(cluster);
    cluster = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
    const markers = answer.points.map(([lat, lon, path, name]) => {
      const marker = L.circleMarker([lat, lon], { radius: 6, color: "#0b4f6c", fillOpacity: 0.8 });
      const link = element("a", name || path, { href: path });
      marker.bindPopup(link);
      return marker;
    });
    cluster.addLayers(markers);
    map.addLayer(cluster);
    if (markers.length) map.fitBounds(cluster.getBounds(), { padding: [20, 20], maxZoom: 8 });
    mapElement.dataset.points = String(markers.length);
    // the sources of the records shown, with their licence and attribution
    const list = document.querySelector("#credits ul");
    list.replaceChildren(
      ...answer.sources.map((source) => {
        const item = element("li", (source.attribution || source.source) + " — ", {
          "data-source": source.source,
        });
        if (source.licence) {
          item.appendChild(element("a", source.licence, { rel: "license", href: source.licence }));
        }
        return item;
      }),
    );
    total.textContent = markers.length + " " + config.words.spaces + " " + config.words.on_map;
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
          (value === undefined ? config.words.no_data : value === null ? config.words.no_source : value);
        layer.bindTooltip(element("span", text));
      },
    }).addTo(choropleth);
    if (legend) legend.remove();
    legend = L.control({ position: "bottomright" });
    legend.onAdd = () => {
      const box = element("div", null, { class: "legend" });
      const names = ["0", "> 0", ...limits.map((limit) => "≥ " + limit)];
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
    document.body.dataset.loading = "true";
    const [answer] = await Promise.all([showFigures(), showPoints()]);
    showChoropleth(answer);
    const params = chosen();
    window.history.replaceState(null, "", "?" + params);
    document.body.dataset.loading = "false";
  }

  form.addEventListener("change", () => {
    refresh();
  });
  await refresh();
})();
