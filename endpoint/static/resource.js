// The small map of a resource page: its point on the base map, named by the place's name.
"use strict";

(async function () {
  const element = document.getElementById("map");
  const point = [Number(element.dataset.lat), Number(element.dataset.lon)];
  const map = await window.coworkmedBaseMap(element, point, 6);
  L.circleMarker(point, { radius: 7, color: "#0b4f6c", fillColor: "#1d8fc1", fillOpacity: 0.9 })
    .bindTooltip(element.dataset.name, { permanent: true, direction: "top", offset: [0, -8] })
    .addTo(map);
})();
