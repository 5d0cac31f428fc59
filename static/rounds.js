/* The nurse's pages: the step timer's countdown. Loaded as a file (the CSP allows no inline
   script); the pages work without it, showing the countdown as of when they were loaded. */
(function () {
  "use strict";

  function countdownText(ms) {
    if (ms <= 0) return "(due now)";
    var total = Math.floor(ms / 1000), minutes = Math.floor(total / 60), seconds = total % 60;
    return minutes >= 10 ? "(in " + minutes + " min)"
      : "(in " + minutes + ":" + (seconds < 10 ? "0" : "") + seconds + ")";
  }

  function startCountdowns() {
    var clocks = document.querySelectorAll(".countdown[data-until]");
    if (!clocks.length) return;
    // The server's "now" against this device's clock: a phone a few minutes off still counts right.
    var skew = 0, first = clocks[0];
    if (first.dataset.now) skew = Date.parse(first.dataset.now) - Date.now();
    function tick() {
      clocks.forEach(function (el) {
        el.textContent = countdownText(Date.parse(el.dataset.until) - (Date.now() + skew));
      });
    }
    tick();
    setInterval(tick, 1000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startCountdowns);
  else startCountdowns();
})();
