// Puts the keyboard and screen reader focus on a page's error summary, so the first thing
// read after a failed submit is the list of problems, each a link to its field.
(function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
