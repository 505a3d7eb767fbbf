/* The analytics map: reads /analytics/schools.geojson for the area in the address bar, draws each
 * school as a circle coloured by band on a plain background (no tiles, so it works offline), and on
 * a click asks GraphQL for the school's partner candidates. */
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var form = document.getElementById('area');
  ['localAuthorityCode', 'region', 'constituency', 'phase', 'radiusKm'].forEach(function (name) {
    if (params.get(name)) form.elements[name].value = params.get(name);
  });
  var radiusKm = Number(params.get('radiusKm') || 10);
  var status = document.getElementById('status');
  var panel = document.getElementById('candidates');
  var geojsonUrl = 'schools.geojson?' + params.toString();
  document.getElementById('export').href = geojsonUrl;

  var COLOURS = { high_performing: '#1a9850', in_need: '#fc8d59', neither: '#74add1', no_recent_evidence: '#bbbbbb' };
  var map = L.map('map', { preferCanvas: false, zoomSnap: 0.25 }).setView([52.8, -1.5], 6);
  L.control.scale({ imperial: false }).addTo(map);

  function escape(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function style(feature) {
    var p = feature.properties;
    var unsupported = p.inNeedWithoutCandidate;
    return {
      radius: unsupported ? 7 : p.band === 'in_need' ? 6 : 4,
      color: '#333',
      weight: unsupported ? 1.5 : 0.5,
      fillColor: unsupported ? '#d73027' : COLOURS[p.band] || '#bbbbbb',
      fillOpacity: 0.9,
      className: 'school band-' + p.band + (unsupported ? ' unsupported' : '') + ' urn-' + p.urn,
    };
  }

  function showCandidates(feature) {
    var p = feature.properties;
    panel.innerHTML =
      '<h2>' + escape(p.name) + '</h2><p>URN ' + p.urn + ', ' + escape(p.band.replace(/_/g, ' ')) + '. Loading candidates...</p>';
    var query =
      'query ($id: ID!, $radiusKm: Float!) { partnerCandidates(schoolId: $id, radiusKm: $radiusKm, first: 10) { totalCount edges { node {' +
      ' distanceKm score reasons commitments { supportLinksGiven staffDaysOwed memberships } school { urn name } } } } }';
    fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: query, variables: { id: p.id, radiusKm: radiusKm } }),
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (body) {
        if (body.errors) throw new Error(body.errors[0].message);
        var list = body.data.partnerCandidates;
        var html =
          '<h2>' +
          escape(p.name) +
          '</h2><p>URN ' +
          p.urn +
          ', ' +
          escape(p.band.replace(/_/g, ' ')) +
          '. ' +
          list.totalCount +
          ' high-performing ' +
          escape(p.phase.replace(/_/g, ' ')) +
          ' school(s) within ' +
          radiusKm +
          ' km.</p>';
        if (list.edges.length) {
          html +=
            '<ol class="candidate-list">' +
            list.edges
              .map(function (edge) {
                var n = edge.node;
                return (
                  '<li class="candidate"><strong>' +
                  escape(n.school.name) +
                  '</strong> (URN ' +
                  n.school.urn +
                  '): ' +
                  n.distanceKm.toFixed(1) +
                  ' km, score ' +
                  n.score.toFixed(2) +
                  '<div class="reason">' +
                  n.reasons.map(escape).join('<br>') +
                  '</div></li>'
                );
              })
              .join('') +
            '</ol>';
        }
        panel.innerHTML = html;
      })
      .catch(function (error) {
        panel.innerHTML = '<p>Could not load candidates: ' + escape(error.message) + '</p>';
      });
  }

  fetch(geojsonUrl)
    .then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.error);
        return body;
      });
    })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, style(feature));
        },
        onEachFeature: function (feature, marker) {
          marker.bindTooltip(escape(feature.properties.name) + ' (' + escape(feature.properties.band.replace(/_/g, ' ')) + ')');
          marker.on('click', function () {
            showCandidates(feature);
          });
        },
      }).addTo(map);
      var counts = {};
      data.features.forEach(function (f) {
        var key = f.properties.inNeedWithoutCandidate ? 'in need without a candidate' : f.properties.band.replace(/_/g, ' ');
        counts[key] = (counts[key] || 0) + 1;
      });
      status.textContent =
        data.features.length +
        ' schools: ' +
        Object.keys(counts)
          .sort()
          .map(function (k) {
            return counts[k] + ' ' + k;
          })
          .join(', ') +
        '.';
      status.dataset.loaded = String(data.features.length);
      if (data.features.length) map.fitBounds(layer.getBounds(), { padding: [20, 20] });
    })
    .catch(function (error) {
      status.textContent = 'Could not load schools: ' + error.message;
    });
})();
