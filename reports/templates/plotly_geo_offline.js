// Empty base maps for plotly.js geo subplots, so that a choropleth drawn from our own
// commune polygons never fetches a topojson from the internet (the machine is offline).
window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
(function () {
  var empty = {"type": "Topology", "objects": {"land": {"type": "GeometryCollection", "geometries": []}, "ocean": {"type": "GeometryCollection", "geometries": []}, "lakes": {"type": "GeometryCollection", "geometries": []}, "rivers": {"type": "GeometryCollection", "geometries": []}, "coastlines": {"type": "GeometryCollection", "geometries": []}, "countries": {"type": "GeometryCollection", "geometries": []}, "subunits": {"type": "GeometryCollection", "geometries": []}, "frame": {"type": "GeometryCollection", "geometries": []}}, "arcs": [], "bbox": [-180, -90, 180, 90]};
  var names = ["world_50m", "world_110m", "usa_50m", "usa_110m", "europe_50m", "europe_110m", "asia_50m", "asia_110m", "africa_50m", "africa_110m", "north-america_50m", "north-america_110m", "south-america_50m", "south-america_110m"];
  names.forEach(function (n) { if (!window.PlotlyGeoAssets.topojson[n]) { window.PlotlyGeoAssets.topojson[n] = empty; } });
})();
