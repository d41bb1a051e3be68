// The map of an organisation's sites. Data comes from a json_script element, never
// from inline script; labels are set as text, so names in the data stay text.
// With no tile server configured the map draws the sites and the district's
// municipalities on a plain background; the page lists the sites in any case.
(function () {
  "use strict";

  function label(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function draw() {
    var holder = document.getElementById("site-map");
    var source = document.getElementById("site-map-data");
    if (!holder || !source || typeof L === "undefined") return;
    var data = JSON.parse(source.textContent);
    var tiles = data.tiles;
    var map = L.map(holder, {
      scrollWheelZoom: false,
      attributionControl: Boolean(tiles),
      zoomSnap: 0.25,
    });
    if (tiles) {
      L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: 18 }).addTo(map);
    } else {
      holder.classList.add("site-map-plain");
    }
    L.control.scale({ imperial: false }).addTo(map);

    var points = [];
    var places = data.context.map(function (place) {
      var marker = L.circleMarker([place.lat, place.lon], {
        radius: 3,
        color: "#7b8794",
        weight: 1,
        fillColor: "#7b8794",
        fillOpacity: 1,
        interactive: false,
      }).addTo(map);
      points.push([place.lat, place.lon]);
      return { place: place, marker: marker };
    });

    var labelled = {};
    data.sites.forEach(function (site) {
      var marker = L.circleMarker([site.lat, site.lon], {
        radius: 9,
        color: "#ffffff",
        weight: 3,
        fillColor: "#0e5a70",
        fillOpacity: 1,
      }).addTo(map);
      var popup = document.createElement("div");
      var title = document.createElement("strong");
      title.textContent = site.name;
      popup.appendChild(title);
      popup.appendChild(document.createElement("br"));
      popup.appendChild(document.createTextNode(site.municipality));
      marker.bindPopup(popup);
      if (!labelled[site.municipality]) {
        labelled[site.municipality] = true;
        marker.bindTooltip(label(site.municipality), {
          permanent: true,
          direction: "top",
          offset: [0, -10],
          className: "map-label map-label-site",
        });
      }
      points.push([site.lat, site.lon]);
    });

    if (points.length === 1) {
      map.setView(points[0], 11);
    } else if (points.length > 1) {
      map.fitBounds(points, { padding: [36, 36], maxZoom: 12 });
    }

    // Name the other municipalities on the side away from the nearest site, so
    // their labels do not run into the site's.
    var sitePoints = data.sites.map(function (site) {
      return map.latLngToContainerPoint([site.lat, site.lon]);
    });
    places.forEach(function (item) {
      var here = map.latLngToContainerPoint([item.place.lat, item.place.lon]);
      var direction = "right";
      sitePoints.forEach(function (point) {
        if (Math.abs(point.y - here.y) < 40 && point.x > here.x && point.x - here.x < 160) {
          direction = "left";
        }
      });
      item.marker.bindTooltip(label(item.place.name), {
        permanent: true,
        direction: direction,
        offset: [direction === "right" ? 4 : -4, 0],
        className: "map-label map-label-context",
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
