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
        line.appendChild(element("td", index === 0 ? label(figure, value) : value));
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
    total.textContent = markers.length + " " + config.words.spaces + " " + config.words.on_map;
  }

  async function refresh() {
    document.body.dataset.loading = "true";
    await Promise.all([showFigures(), showPoints()]);
    const params = chosen();
    window.history.replaceState(null, "", "?" + params);
    document.body.dataset.loading = "false";
  }

  form.addEventListener("change", () => {
    refresh();
  });
  await refresh();
})();
