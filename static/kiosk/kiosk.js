/* The villager's touchscreen: the page's core, shared by scanner.js and goods.js (window.Kiosk).
 *
 *  - one lane for every request that can change the visit: a request waits until the one before
 *    it has answered, so no two answers race over the session cookie and no answer lands on a
 *    screen that has moved on. The lane follows each request's own XMLHttpRequest (its loadend),
 *    never events from page elements, which a swap can remove while the request is on its way;
 *    a queued request whose button was swapped away is dropped. Requests marked data-quiet (the
 *    receipt printing in the background) stay out of the lane.
 *  - the idle countdown returns to the waiting screen and forgets the household
 *  - the confirm form carries an idempotency key made here, kept for the visit
 *  - the PIN keypad, sound cues, the CSRF header, and a screen for "server unreachable"
 */
(function () {
  "use strict";

  var body = document.body;
  var WATCHDOG_MS = 30000;  // a backstop only: requests time out after 20 s and end the lane
  var idleSeconds = parseInt(body.dataset.idleSeconds, 10) || 30;
  var remaining = idleSeconds;

  htmx.config.timeout = 20000;
  htmx.config.defaultSettleDelay = 0;  // no 20 ms wait before a new screen settles

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function isQuiet(elt) {
    return !!(elt && elt.closest && elt.closest("[data-quiet]"));
  }

  /* ---- the lane ---- */

  var lane = { xhr: null, since: 0, waiting: [], releasing: false };

  function busy() {
    if (lane.xhr && performance.now() - lane.since > WATCHDOG_MS) lane.xhr = null;
    return lane.xhr !== null;
  }

  /* Queue `go` (which starts one request) behind the lane. `key` dedupes: a newer entry with the
   * same key replaces the waiting one (the latest scan wins; one basket sync at a time). */
  function enqueue(key, elt, go) {
    lane.waiting = lane.waiting.filter(function (w) { return !key || w.key !== key; });
    lane.waiting.push({ key: key, elt: elt, go: go });
    pump();
  }

  function pump() {
    while (!busy() && lane.waiting.length) {
      var next = lane.waiting.shift();
      if (next.elt && next.elt !== body && !next.elt.isConnected) continue;  // swapped away
      lane.releasing = true;
      try { next.go(); } finally { lane.releasing = false; }
    }
  }

  /* Mark the lane taken by a request the page sends itself (fetch), until `done` is called. */
  function hold() {
    var token = {};
    lane.xhr = token;
    lane.since = performance.now();
    return function done() {
      if (lane.xhr === token) lane.xhr = null;
      window.setTimeout(pump, 0);
    };
  }

  /* Work the page holds back for a frame (a tap's basket sync waits for its paint) joins the
   * lane before any later request, so a scan or a button pressed within that frame never reaches
   * the server ahead of it. */
  var pending = [];

  function beforeRequest(flush) { pending.push(flush); }

  function flushPending() {
    for (var i = 0; i < pending.length; i++) pending[i]();
  }

  body.addEventListener("htmx:confirm", function (evt) {
    var elt = evt.detail.elt;
    if (lane.releasing || isQuiet(elt)) return;
    flushPending();
    if (!busy()) return;
    evt.preventDefault();
    var issue = evt.detail.issueRequest;
    enqueue(elt === body ? null : elt, elt, function () { issue(true); });
  });

  body.addEventListener("htmx:beforeSend", function (evt) {
    if (isQuiet(evt.detail.elt)) return;
    var xhr = evt.detail.xhr;
    lane.xhr = xhr;
    lane.since = performance.now();
    xhr.addEventListener("loadend", function () {
      if (lane.xhr === xhr) lane.xhr = null;
      window.setTimeout(pump, 0);  // after htmx has swapped the answer in (its onload ran first)
    });
  });

  body.addEventListener("htmx:configRequest", function (evt) {
    evt.detail.headers["X-CSRFToken"] = csrfToken();
    if (body.dataset.screenKey) evt.detail.headers["X-Kiosk-Screen"] = body.dataset.screenKey;
    var form = evt.detail.elt;
    if (form && form.matches && form.matches("[data-idempotency]")) {
      evt.detail.parameters.key = ensureKey(form);
    }
  });

  /* Swap a screen answer in: for scans and resets the page starts itself. */
  function screenRequest(url, values, key) {
    flushPending();
    enqueue(key || null, body, function () {
      htmx.ajax("POST", url, { source: body, target: "#screen", swap: "outerHTML", values: values || {} });
    });
  }

  /* ---- idle countdown ---- */

  var warning = document.getElementById("idle-warning");

  function idleSecondsNow() {
    var screen = document.getElementById("screen");
    var own = screen && parseInt(screen.dataset.idle, 10);
    return own > 0 ? own : idleSeconds;
  }

  function idleShown() { return document.getElementById("idle-seconds") !== null; }

  function renderIdle() {
    var total = idleSecondsNow();
    var count = document.getElementById("idle-seconds");
    if (count) count.textContent = String(Math.max(0, remaining));
    var ring = document.getElementById("idle-ring");
    if (ring) ring.style.strokeDashoffset = String(100 - (100 * remaining) / total);
    var big = document.getElementById("idle-warning-count");
    if (big) big.textContent = String(Math.max(0, remaining));
  }

  function hideWarning() { if (warning) warning.hidden = true; }

  function resetIdle() {
    remaining = idleSecondsNow();
    hideWarning();
    renderIdle();
  }

  window.setInterval(function () {
    if (!idleShown() || busy()) return;
    remaining -= 1;
    renderIdle();
    var warnAt = Math.max(1, Math.min(10, Math.ceil(idleSecondsNow() / 2)));
    if (remaining <= 0) {
      hideWarning();
      remaining = idleSecondsNow();
      screenRequest(body.dataset.resetUrl, {}, "reset");
    } else if (remaining <= warnAt && warning && warning.hidden) {
      warning.hidden = false;
      var stay = document.getElementById("idle-stay");
      if (stay) stay.focus();
    }
  }, 1000);

  // Any touch restarts the countdown. While the warning is up, the touch only restarts it; the
  // warning goes away on the click that follows, so that click cannot land on the screen below.
  ["pointerdown", "keydown", "wheel", "touchstart"].forEach(function (name) {
    window.addEventListener(name, function () {
      remaining = idleSecondsNow();
      renderIdle();
    }, { capture: true, passive: true });
  });

  if (warning) {
    warning.addEventListener("click", function (evt) {
      evt.stopPropagation();
      enqueue("alive", body, function () {
        htmx.ajax("POST", body.dataset.aliveUrl, { source: body, swap: "none" });
      });
      resetIdle();
    });
  }

  /* ---- idempotency key: made once per visit's confirm, reused by every resubmit ---- */

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return "kq-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function ensureKey(form) {
    var input = form.querySelector('input[name="key"]');
    if (input.value) return input.value;
    var slot = "kiosk-key-" + (form.dataset.visit || "");
    var key = null;
    try { key = window.sessionStorage.getItem(slot); } catch (e) { key = null; }
    if (!key) {
      key = newKey();
      try { window.sessionStorage.setItem(slot, key); } catch (e) { /* private mode */ }
    }
    input.value = key;
    return key;
  }

  function forgetKeys() {
    try {
      for (var i = window.sessionStorage.length - 1; i >= 0; i -= 1) {
        var name = window.sessionStorage.key(i);
        if (name && name.indexOf("kiosk-key-") === 0) window.sessionStorage.removeItem(name);
      }
    } catch (e) { /* nothing kept */ }
  }

  /* ---- PIN keypad: digits go to a hidden field, never through a text box ---- */

  function updatePin(form, value) {
    form.querySelector('input[name="pin"]').value = value;
    var dots = form.querySelectorAll(".pin-dot");
    dots.forEach(function (dot, i) {
      dot.hidden = i >= Math.max(value.length, 4);
      dot.classList.toggle("is-filled", i < value.length);
    });
    var box = form.querySelector(".pin-dots");
    if (box) box.setAttribute("aria-label", value.length + " " + (box.dataset.label || ""));
    var ok = form.querySelector(".key-ok");
    if (ok) ok.disabled = value.length < 4;
  }

  document.addEventListener("click", function (evt) {
    var key = evt.target.closest("[data-digit], [data-key]");
    if (!key) return;
    var form = key.closest("[data-pin-pad]");
    if (!form) return;
    var max = parseInt(form.dataset.maxDigits, 10) || 6;
    var value = form.querySelector('input[name="pin"]').value;
    if (key.dataset.digit && value.length < max) value += key.dataset.digit;
    if (key.dataset.key === "back") value = value.slice(0, -1);
    updatePin(form, value);
  });

  /* ---- sounds: scan accepted, done, error (if this kiosk and this visit want them) ---- */

  function soundsOn() {
    var toggle = document.getElementById("sound-toggle");
    return !!toggle && toggle.dataset.sounds === "on";
  }

  function play(name) {
    if (!soundsOn()) return;
    var audio = document.getElementById("sound-" + name);
    if (!audio) return;
    try {
      audio.currentTime = 0;
      var p = audio.play();
      if (p && p.catch) p.catch(function () { /* autoplay refused until the first touch */ });
    } catch (e) { /* no audio device */ }
  }

  body.addEventListener("kiosk-sound", function (evt) {
    play(evt.detail && evt.detail.value);
  });

  /* ---- a small notice over the screen, which stays as it is (a stray scan mid-visit) ---- */

  var toastTimer = null;

  function toast(text) {
    var box = document.getElementById("kiosk-toast");
    if (!box || !text) return;
    box.textContent = text;
    box.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(function () { box.hidden = true; }, 4000);
  }

  body.addEventListener("kiosk-notice", function (evt) {
    toast(evt.detail && evt.detail.value);
  });

  /* ---- when the server cannot be reached at all ---- */

  function showOffline() {
    var tpl = document.getElementById("offline-screen");
    var screen = document.getElementById("screen");
    if (!tpl || !screen) return;
    screen.replaceWith(tpl.content.cloneNode(true));
    play("error");
  }

  body.addEventListener("htmx:sendError", showOffline);
  body.addEventListener("htmx:timeout", showOffline);

  /* ---- each new screen ---- */

  function settle(root) {
    var screen = document.getElementById("screen");
    if (!screen || !root.contains(screen) && root !== screen) return;
    resetIdle();
    if (screen.dataset.screen === "done" || screen.dataset.screen === "waiting") forgetKeys();
    screen.querySelectorAll("form[data-idempotency]").forEach(ensureKey);
    // What needs the layout (focus, the goods pager) waits for the first paint: on a slow box
    // the new screen shows a frame sooner.
    afterPaint(function () {
      if (document.getElementById("screen") !== screen) return;  // swapped again meanwhile
      var title = document.getElementById("screen-title");
      if (title) {
        title.setAttribute("tabindex", "-1");
        title.focus({ preventScroll: true });
      }
      body.dispatchEvent(new CustomEvent("kiosk:screen", { detail: { screen: screen } }));
    });
  }

  function afterPaint(fn) {
    window.requestAnimationFrame(function () { window.setTimeout(fn, 0); });
  }

  /* A scan from the wedge or the stream: the newest waiting scan replaces an older one. */
  function scan(values) {
    hideWarning();
    screenRequest(body.dataset.scanUrl, values, "scan");
  }

  window.Kiosk = {
    scan: scan,
    busy: busy,
    beforeRequest: beforeRequest,
    enqueue: enqueue,
    hold: hold,
    pump: pump,
    screenRequest: screenRequest,
    resetIdle: resetIdle,
    hideWarning: hideWarning,
    play: play,
    toast: toast,
    csrfToken: csrfToken,
    showOffline: showOffline
  };

  htmx.onLoad(settle);
})();

/* The village's notices on the waiting screen, one slide at a time. The interval looks the
   slides up each time, so it keeps working after htmx swaps the screen. */
(function rotateNotices() {
  "use strict";
  let shown = 0;
  function show() {
    const slides = Array.from(document.querySelectorAll("#notice-slides .notice-slide"));
    if (!slides.length) return;
    shown = (shown + 1) % slides.length;
    slides.forEach((slide, i) => { slide.hidden = i !== shown; });
  }
  function first() {
    const slides = Array.from(document.querySelectorAll("#notice-slides .notice-slide"));
    shown = 0;
    slides.forEach((slide, i) => { slide.hidden = i !== 0; });
  }
  document.addEventListener("DOMContentLoaded", first);
  document.body.addEventListener("kiosk:screen", first);
  setInterval(show, 9000);
})();
