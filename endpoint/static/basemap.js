// A base map without any tile server: country borders from Natural Earth (npm world-atlas,
// served by this server) drawn by Leaflet. Used by the resource pages and the dashboard.
"use strict";

window.coworkmedBaseMap = async function (element, center, zoom) {
  const map = L.map(element, { center: center, zoom: zoom, minZoom: 2, maxZoom: 16, zoomControl: false });
  // the zoom buttons' title and aria-label in the page's language when the page gives them
  // (data-zoom-in, data-zoom-out): Leaflet said "Zoom in", "Zoom out" on every language's page
  L.control.zoom({
    zoomInTitle: element.dataset.zoomIn || "Zoom in",
    zoomOutTitle: element.dataset.zoomOut || "Zoom out",
  }).addTo(map);
  map.attributionControl.setPrefix(false);
  // the credit in the page's language when the page gives it (data-credit)
  map.attributionControl.addAttribution(element.dataset.credit || "Borders: Natural Earth");
  const response = await fetch(element.dataset.countries);
  if (!response.ok) {
    throw new Error("country borders: HTTP " + response.status);
  }
  const atlas = await response.json();
  L.geoJSON(topojson.feature(atlas, atlas.objects.countries), {
    interactive: false,
    style: { color: "#7a8b93", weight: 1, fillColor: "#f4f1e8", fillOpacity: 1 },
  }).addTo(map);
  element.dataset.ready = "true";
  return map;
};
