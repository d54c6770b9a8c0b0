// sentinel console: countdowns that follow the daemon's clock, not the browser's.
// The page carries the server's "now" (data-now) and how fast that clock runs (data-rate: 1 normally,
// 600 in the demo); each <time class="countdown" data-due> counts down from the offset between them.
(function () {
  "use strict";
  var body = document.body;
  var serverNow = Date.parse(body.getAttribute("data-now"));
  var rate = parseFloat(body.getAttribute("data-rate") || "1");
  var loaded = performance.now();
  if (isNaN(serverNow)) { return; }

  function daemonNow() {
    return serverNow + (performance.now() - loaded) * rate;
  }

  // Chinese like the server's format_time_left: 1小时02分, 30分, 2天4小时, 不足1分
  function span(ms) {
    var seconds = ms / 1000;
    if (seconds === 0) { return "0分"; }
    if (seconds < 60) { return "不足1分"; }
    var minutes = Math.floor((seconds + 30) / 60);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    minutes = minutes % 60;
    if (days) { return hours ? days + "天" + hours + "小时" : days + "天"; }
    if (hours) { return minutes ? hours + "小时" + (minutes < 10 ? "0" : "") + minutes + "分" : hours + "小时"; }
    return minutes + "分";
  }

  function tick() {
    var now = daemonNow();
    var clocks = document.querySelectorAll("time.countdown[data-due]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var left = Date.parse(el.getAttribute("data-due")) - now;
      el.textContent = left >= 0 ? "剩余" + span(left) : "已超时" + span(-left);
      if (left < 0 && el.parentNode) { el.parentNode.classList.add("breached"); }
    }
    var clock = document.getElementById("server-now");
    if (clock) {
      clock.textContent = new Date(now).toLocaleString("zh-CN", { hour12: false, timeZone: document.documentElement.getAttribute("data-zone") || undefined });
    }
  }

  tick();
  window.setInterval(tick, 1000);
  // the board refreshes itself (new incidents, grades) every half minute
  if (document.getElementById("board") || document.querySelector(".board-empty")) {
    window.setTimeout(function () { window.location.reload(); }, 30000);
  }
}());
