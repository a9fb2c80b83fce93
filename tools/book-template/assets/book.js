// The book's page script (no network needed):
// - typesets the math with the local KaTeX copy. Only prose is scanned: markdown cells, LaTeX
//   outputs and the table of contents, never code, program output or scripts. When done,
//   <html data-math="done"> tells readers and tests that typesetting has finished;
// - folds the table of contents on narrow screens (it is the sticky sidebar on wide ones);
// - themes the plotly figures to match the page (dark when the system asks for it on screen,
//   light on paper) and narrows figures wider than the text column; when every figure is done,
//   <html data-figures="dark"|"light"> says which theme they carry.
(function () {
  'use strict';
  function typeset() {
    var options = {
      delimiters: [
        { left: '$$', right: '$$', display: true },
        { left: '\\[', right: '\\]', display: true },
        { left: '\\begin{equation}', right: '\\end{equation}', display: true },
        { left: '\\begin{align}', right: '\\end{align}', display: true },
        { left: '$', right: '$', display: false },
        { left: '\\(', right: '\\)', display: false }
      ],
      throwOnError: false,
      errorCallback: function (message, error) { console.error('KaTeX: ' + message, error); }
    };
    var prose = document.querySelectorAll('.jp-RenderedMarkdown, .jp-RenderedLatex, .d2l-prose');
    for (var i = 0; i < prose.length; i++) window.renderMathInElement(prose[i], options);
    var failed = document.querySelectorAll('.katex-error');
    for (var j = 0; j < failed.length; j++) console.error('KaTeX could not typeset: ' + failed[j].textContent);
    document.documentElement.setAttribute('data-math', 'done');
  }

  // --- Table of contents: open beside the text on wide screens, folded at the top on narrow ones.
  var wide = window.matchMedia('screen and (min-width: 64rem)');
  function placeToc() {
    var toc = document.querySelector('.d2l-sidebar > details.d2l-toc');
    if (!toc) return;
    if (wide.matches || window.matchMedia('print').matches) toc.open = true;
    else if (!toc.hasAttribute('data-reader-opened')) toc.open = false;
  }
  function watchToc() {
    var toc = document.querySelector('.d2l-sidebar > details.d2l-toc');
    if (!toc) return;
    var summary = toc.querySelector('summary');
    if (summary) summary.addEventListener('click', function () { toc.setAttribute('data-reader-opened', ''); });
    placeToc();
    wide.addEventListener('change', placeToc);
  }

  // --- Figures: theme and width.
  var dark = window.matchMedia('screen and (prefers-color-scheme: dark)');
  var print = window.matchMedia('print');
  var printing = false; // between beforeprint and afterprint, before the print layout applies
  var SMALLEST = 0.6; // never narrow a figure below this share of its own width: scroll instead
  var PAPER = 680; // px of text on A4 with the print style's 1.5 cm margins

  function figures() {
    return Array.prototype.filter.call(document.querySelectorAll('.d2l-figure'), function (el) {
      return el._fullLayout && el.layout;
    });
  }
  function getPath(obj, path) {
    var parts = path.split('.');
    for (var i = 0; i < parts.length && obj != null; i++) obj = obj[parts[i]];
    return obj === undefined ? null : obj;
  }
  function axesOf(el) {
    return Object.keys(el._fullLayout).filter(function (k) { return /^[xy]axis\d*$/.test(k); });
  }
  /** The layout attributes the dark theme sets, with the page's own colours. */
  function darkPatch(el) {
    var root = getComputedStyle(document.documentElement), body = getComputedStyle(document.body);
    var bg = root.getPropertyValue('--jp-layout-color0').trim() || body.backgroundColor;
    var fg = root.getPropertyValue('--jp-content-font-color1').trim() || body.color;
    var grid = 'rgba(255,255,255,0.16)', line = 'rgba(255,255,255,0.45)';
    var patch = { paper_bgcolor: bg, plot_bgcolor: bg, 'font.color': fg, 'legend.bgcolor': 'rgba(0,0,0,0)' };
    axesOf(el).forEach(function (ax) {
      patch[ax + '.gridcolor'] = grid;
      patch[ax + '.zerolinecolor'] = line;
      patch[ax + '.linecolor'] = line;
    });
    return patch;
  }
  function theme(el, wantDark) {
    if (!el.d2lOriginal) el.d2lOriginal = {}; // the figure's own values, to go back to light
    var patch = darkPatch(el), update = {};
    Object.keys(patch).forEach(function (key) {
      if (!(key in el.d2lOriginal)) el.d2lOriginal[key] = getPath(el.layout, key);
      update[key] = wantDark ? patch[key] : el.d2lOriginal[key];
    });
    return update;
  }
  var canvas = document.createElement('canvas').getContext('2d');
  /** Relative luminance (WCAG) of a CSS colour, or null when it is not one. */
  function luminance(color) {
    if (typeof color !== 'string') return null;
    canvas.fillStyle = '#010203';
    canvas.fillStyle = color;
    var c = canvas.fillStyle, rgb;
    if (c === '#010203' && color.replace(/\s/g, '') !== '#010203') return null;
    if (c[0] === '#') rgb = [1, 3, 5].map(function (i) { return parseInt(c.substr(i, 2), 16); });
    else rgb = c.replace(/[^\d.,]/g, '').split(',').slice(0, 3).map(Number);
    var lin = rgb.map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  }
  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    if (la === null || lb === null) return Infinity;
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  window.d2lContrast = contrast; // for the tests
  /** Markers too dark for the dark background (d2l's black stars) get an outline in the text colour. */
  function outlineMarkers(el, wantDark) {
    var bg = darkPatch(el).paper_bgcolor, fg = darkPatch(el)['font.color'];
    el.data.forEach(function (trace, i) {
      var marker = trace.marker || {};
      if (wantDark && typeof marker.color === 'string' && contrast(marker.color, bg) < 3 && !trace.d2lOutlined) {
        trace.d2lOutlined = { color: getPath(marker, 'line.color'), width: getPath(marker, 'line.width') };
        window.Plotly.restyle(el, { 'marker.line.color': fg, 'marker.line.width': 1 }, [i]);
      } else if (!wantDark && trace.d2lOutlined) {
        var was = trace.d2lOutlined;
        delete trace.d2lOutlined;
        window.Plotly.restyle(el, { 'marker.line.color': was.color, 'marker.line.width': was.width }, [i]);
      }
    });
  }
  function fit(el, update) {
    if (el.d2lWidth === undefined) el.d2lWidth = el.layout.width || el._fullLayout.width;
    var natural = el.d2lWidth, room = el.clientWidth;
    if (print.matches || printing) room = Math.min(room || PAPER, PAPER);
    if (!natural || !room) return;
    var width = natural > room ? Math.max(Math.floor(room), Math.ceil(natural * SMALLEST)) : natural;
    if (width !== el._fullLayout.width) update.width = width;
  }
  function refresh() {
    var wantDark = dark.matches && !print.matches && !printing;
    var figs = figures();
    figs.forEach(function (el) {
      var update = theme(el, wantDark);
      fit(el, update);
      window.Plotly.relayout(el, update);
      outlineMarkers(el, wantDark);
      el.setAttribute('data-theme', wantDark ? 'dark' : 'light');
    });
    document.body.setAttribute('data-jp-theme-light', wantDark ? 'false' : 'true');
    return figs.length;
  }
  function startFigures() {
    var expected = document.querySelectorAll('.d2l-figure').length, tries = 0;
    function attempt() {
      // Figures draw from their own scripts while the page loads; wait until all have a layout.
      if (window.Plotly && (figures().length >= expected || ++tries > 100)) {
        var again = function () {
          refresh();
          document.documentElement.setAttribute('data-figures', dark.matches && !print.matches && !printing ? 'dark' : 'light');
        };
        again();
        dark.addEventListener('change', again);
        print.addEventListener('change', again);
        window.addEventListener('beforeprint', function () { printing = true; again(); });
        window.addEventListener('afterprint', function () { printing = false; again(); });
        var timer = null;
        window.addEventListener('resize', function () { clearTimeout(timer); timer = setTimeout(again, 150); });
        return;
      }
      setTimeout(attempt, 100);
    }
    if (expected === 0) { document.documentElement.setAttribute('data-figures', dark.matches ? 'dark' : 'light'); return; }
    attempt();
  }

  function start() {
    typeset();
    watchToc();
    startFigures();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
