// Typesets the math of every page of the book with the local KaTeX copy (no network needed).
// Only prose is scanned: markdown cells and LaTeX outputs, never code, program output or scripts.
// When done, <html data-math="done"> tells readers and tests that typesetting has finished.
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
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', typeset);
  else typeset();
})();
