// The district map: every site by kind, the district's radius, a scenario's area.
// Data comes from a json_script element, never from inline script; names are set as
// text. With no tile server configured the map draws on a plain background.
(function () {
  "use strict";

  var COLOURS = {
    large_company: "#0e5a70",
    sme: "#2f8f5b",
    startup: "#7a4fb0",
    university: "#b5651d",
    research_centre: "#b5651d",
    technology_transfer: "#c0392b",
    hospital: "#8a6d3b",
    association: "#5d6d7e",
  };

  function popup(site) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = site.url;
    link.textContent = site.name;
    box.appendChild(link);
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(site.kind_label + " · " + site.municipality));
    if (site.segments.length) {
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(site.segments.join(", ")));
    }
    return box;
  }

  // The corners of a circle's bounding box (no map view needed, unlike a layer's bounds).
  function extend(bounds, circle) {
    var box = L.latLng(circle.lat, circle.lon).toBounds(circle.radius_km * 2000);
    bounds.push(box.getNorthWest(), box.getSouthEast());
  }

  function draw() {
    var holder = document.getElementById("district-map");
    var source = document.getElementById("district-map-data");
    if (!holder || !source || typeof L === "undefined") return;
    var data = JSON.parse(source.textContent);
    var map = L.map(holder, { scrollWheelZoom: false, attributionControl: Boolean(data.tiles) });
    if (data.tiles) {
      L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 18 }).addTo(map);
    } else {
      holder.classList.add("site-map-plain");
    }
    L.control.scale({ imperial: false }).addTo(map);
    var bounds = [];
    if (data.map.centre) {
      L.circle([data.map.centre.lat, data.map.centre.lon], {
        radius: data.map.centre.radius_km * 1000,
        color: "#0e5a70",
        weight: 1,
        fillOpacity: 0.04,
        interactive: false,
      }).addTo(map);
      extend(bounds, data.map.centre);
    }
    if (data.area) {
      L.circle([data.area.lat, data.area.lon], {
        radius: data.area.radius_km * 1000,
        color: "#c0392b",
        weight: 2,
        dashArray: "6 4",
        fillColor: "#c0392b",
        fillOpacity: 0.12,
        interactive: false,
      }).addTo(map);
      extend(bounds, data.area);
    }
    data.map.municipalities.forEach(function (place) {
      var marker = L.circleMarker([place.lat, place.lon], {
        radius: 2,
        color: "#7b8794",
        weight: 1,
        interactive: false,
      }).addTo(map);
      var label = document.createElement("span");
      label.textContent = place.name + " (" + place.organisations + ")";
      marker.bindTooltip(label, {
        permanent: true,
        direction: "right",
        className: "map-label map-label-context",
      });
    });
    // Sites placed at their municipality's centre share a point: spread them on a small
    // ring around it so that each can be seen and chosen.
    var shared = {};
    data.map.sites.forEach(function (site) {
      var key = site.lat + "," + site.lon;
      (shared[key] = shared[key] || []).push(site);
    });
    Object.keys(shared).forEach(function (key) {
      var group = shared[key];
      if (group.length < 2) return;
      group.forEach(function (site, n) {
        var angle = (2 * Math.PI * n) / group.length;
        site.lat += 0.006 * Math.sin(angle);
        site.lon += 0.0085 * Math.cos(angle);
      });
    });
    var markers = [];
    data.map.sites.forEach(function (site) {
      var marker = L.circleMarker([site.lat, site.lon], {
        radius: site.hit ? 9 : 7,
        color: site.hit ? "#c0392b" : "#ffffff",
        weight: site.hit ? 3 : 2,
        fillColor: COLOURS[site.kind] || "#34495e",
        fillOpacity: 1,
      }).addTo(map);
      marker.bindPopup(popup(site));
      markers.push({ site: site, marker: marker });
      bounds.push([site.lat, site.lon]);
    });
    // The segment filter dims the sites of organisations outside the chosen segment.
    var filter = document.getElementById("map-segment");
    if (filter) {
      filter.addEventListener("change", function () {
        markers.forEach(function (item) {
          var shown = !filter.value || item.site.segments.indexOf(filter.value) >= 0;
          item.marker.setStyle({ fillOpacity: shown ? 1 : 0.12, opacity: shown ? 1 : 0.2 });
        });
      });
    }
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 12 });
    } else {
      map.setView([44.887, 11.066], 10);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
