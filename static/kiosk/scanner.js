/* Scans into the page: a keyboard-wedge scanner typing into the page, and the scanner services'
 * event stream (tickets, not codes). Both go through Kiosk's lane to POST /scan.
 *
 * A wedge scanner types a burst of keys. The burst ends at Enter or Tab (the scanner's suffix),
 * at a pause (a scanner set to no suffix), or at once when the keys already spell a well-formed
 * passbook or badge code (its check character says so). A fast burst (a key every few ms) is
 * sent whatever it spells; a slower one (some scanners type a key every 50-80 ms) only when it
 * is a well-formed code, so a person typing on a keyboard never counts as a scan.
 *
 * Keyboard layouts: besides the characters typed (evt.key) the page notes the keys' places
 * (evt.code, named after the US layout). A scanner set to the US layout on a computer with
 * another layout, or with an input method on, still reads right from the places; a scanner set
 * to AZERTY or QWERTZ is recognised from the swapped letters. Anything else that looks like a
 * scanner's code but spells nothing is sent with layout=wrong, and the kiosk says which setting
 * to change.
 */
(function () {
  "use strict";

  var body = document.body;
  var PAUSE_MS = parseInt(body.dataset.wedgePauseMs, 10) || 800;  // a gap this long ends a burst
  var FAST_MS = parseInt(body.dataset.wedgeFastMs, 10) || 50;     // scanner speed, median gap
  var MIN_CHARS = 6;

  /* ---- the code format (shop/codes.py, docs/CODES.md) ---- */

  var ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  var PREFIXES = ["JF1", "JB1"];
  var CODE_LENGTH = 24;
  var FORGIVE = { O: "0", I: "1", L: "1" };

  function checkChar(text) {
    var factor = 2, total = 0;
    for (var i = text.length - 1; i >= 0; i -= 1) {
      var addend = factor * ALPHABET.indexOf(text[i]);
      factor = factor === 2 ? 1 : 2;
      total += Math.floor(addend / 32) + (addend % 32);
    }
    return ALPHABET[(32 - (total % 32)) % 32];
  }

  /* The canonical code, or null: the same rules as shop.codes.normalize. */
  function normalize(raw) {
    var text = raw.replace(/[\s-]/g, "").toUpperCase();
    if (text.length !== CODE_LENGTH || PREFIXES.indexOf(text.slice(0, 3)) < 0) return null;
    var rest = "";
    for (var i = 3; i < text.length; i += 1) {
      var ch = FORGIVE[text[i]] || text[i];
      if (ALPHABET.indexOf(ch) < 0) return null;
      rest += ch;
    }
    text = text.slice(0, 3) + rest;
    return checkChar(text.slice(0, -1)) === text[text.length - 1] ? text : null;
  }

  /* A passbook or badge code's shape, whatever its check character says. */
  function codeShaped(raw) {
    var text = raw.replace(/[\s-]/g, "").toUpperCase();
    return text.length === CODE_LENGTH && PREFIXES.indexOf(text.slice(0, 3)) >= 0;
  }

  /* ---- what the keys spell ---- */

  var PLACE = /^(?:Key([A-Z])|Digit([0-9])|Numpad([0-9])|(Minus|NumpadSubtract)|(Semicolon))$/;
  // A scanner set to another layout presses the keys where that layout has its letters.
  var LAYOUTS = {
    azerty: { A: "Q", Q: "A", Z: "W", W: "Z", ";": "M", M: "," },
    qwertz: { Y: "Z", Z: "Y" }
  };

  function placeOf(evt) {
    var m = PLACE.exec(evt.code || "");
    if (!m) return "";
    return m[1] || m[2] || m[3] || (m[4] ? "-" : ";");
  }

  function typedOf(evt) {
    return evt.key && evt.key.length === 1 && evt.key !== " " ? evt.key : "";
  }

  function remap(places, table) {
    return places.split("").map(function (ch) { return table[ch] || ch; }).join("");
  }

  /* The burst as a code: [code, layout] — layout "" (as typed), "places", "azerty", "qwertz". */
  function readCode(typed, places) {
    var found = normalize(typed);
    if (found) return [found, ""];
    found = normalize(places);
    if (found) return [found, "places"];
    for (var name in LAYOUTS) {
      found = normalize(remap(places, LAYOUTS[name]));
      if (found) return [found, name];
    }
    return [null, ""];
  }

  /* ---- the burst ---- */

  var typed = "";
  var places = "";
  var stamps = [];
  var pauseTimer = null;
  var endedAt = -Infinity;

  function medianGap() {
    var gaps = [];
    for (var i = 1; i < stamps.length; i += 1) gaps.push(stamps[i] - stamps[i - 1]);
    gaps.sort(function (a, b) { return a - b; });
    return gaps.length ? gaps[Math.floor(gaps.length / 2)] : Infinity;
  }

  function clear() {
    typed = "";
    places = "";
    stamps = [];
    window.clearTimeout(pauseTimer);
  }

  /* Decide what a finished burst was; true if it was sent as a scan. */
  function finish(how) {
    var n = Math.max(typed.length, places.length);
    var gap = medianGap();
    var read = readCode(typed, places);
    var t = typed, p = places;
    clear();
    if (n < MIN_CHARS) return false;
    endedAt = performance.now();
    if (read[0]) {
      send({ code: read[0], source: "wedge", end: how, layout: read[1] });
      return true;
    }
    // A slow burst is a person typing, unless it has a passbook or badge code's shape (prefix and
    // length) and only its check character is wrong: a damaged card read by a slow scanner, which
    // the kiosk should name as such rather than ignore.
    if (gap > FAST_MS && !codeShaped(t) && !codeShaped(p)) return false;
    var symbols = /[^0-9A-Za-z-]/.test(t);
    var shuffled = t.toUpperCase() !== p && p.length === t.length;
    var codeSized = n >= CODE_LENGTH - 2 && n <= CODE_LENGTH + 4;
    var layout = codeSized && (symbols || shuffled || !t) ? "wrong" : "";
    send({ code: t || p, source: "wedge", end: how, layout: layout });
    return true;
  }

  function send(values) {
    if (window.Kiosk) window.Kiosk.scan(values);
  }

  window.addEventListener("keydown", function (evt) {
    if (evt.ctrlKey || evt.altKey || evt.metaKey) return;
    if (evt.repeat) {  // a key held down is nobody's scan
      if (typed || places) evt.preventDefault();
      return;
    }
    var now = evt.timeStamp || performance.now();
    if (stamps.length && now - stamps[stamps.length - 1] > PAUSE_MS) finish("pause");
    if (evt.key === "Enter" || evt.key === "Tab") {
      var had = typed.length || places.length;
      if (had) finish(evt.key === "Tab" ? "tab" : "enter");
      // The suffix of a burst already sent (complete codes go at once) is the scanner's too.
      if (had || performance.now() - endedAt < 500) {
        evt.preventDefault();
        evt.stopPropagation();
      }
      return;
    }
    var ch = typedOf(evt);
    var place = placeOf(evt);
    if (!ch && !place) return;
    typed += ch;
    places += place;
    stamps.push(now);
    evt.preventDefault();  // nothing on this page takes typed text
    evt.stopPropagation();
    window.clearTimeout(pauseTimer);
    if (typed.length >= CODE_LENGTH || places.length >= CODE_LENGTH) {
      var read = readCode(typed.slice(-CODE_LENGTH), places.slice(-CODE_LENGTH));
      if (read[0]) {
        typed = typed.slice(-CODE_LENGTH);
        places = places.slice(-CODE_LENGTH);
        stamps = stamps.slice(-CODE_LENGTH);
        finish("complete");
        return;
      }
    }
    pauseTimer = window.setTimeout(function () { finish("pause"); }, PAUSE_MS);
  }, true);

  /* ---- the scanner services' event stream ----
   * Only a page served to the kiosk box itself gets a stream URL; it carries this page's key,
   * which goes back with every ticket (a ticket works only for the page it was sent to). */

  var stream = null;
  var pageKey = "";
  if (body.dataset.stream) {
    try { pageKey = new URL(body.dataset.stream, location.href).searchParams.get("page") || ""; }
    catch (e) { pageKey = ""; }
  }

  function connectStream() {
    if (!window.EventSource || !body.dataset.stream) return;
    stream = new EventSource(body.dataset.stream);
    stream.addEventListener("scan", function (evt) {
      try {
        send({ ticket: JSON.parse(evt.data).ticket, page: pageKey, source: "camera" });
      } catch (e) { /* a malformed event is ignored */ }
    });
    stream.addEventListener("frame", function (evt) {
      try { drawFrame(JSON.parse(evt.data)); } catch (e) { /* a bad frame is skipped */ }
    });
    stream.addEventListener("replaced", function () {
      // A newer page on this box took the scans (a reload); try again much later only.
      stream.close();
      window.setTimeout(connectStream, 60000);
    });
    stream.addEventListener("error", function () {
      if (stream.readyState === EventSource.CLOSED) {
        window.setTimeout(connectStream, 5000);
      }
    });
  }

  /* ---- the viewfinder: the camera's view on the waiting screen, the QR outlined when read ----
   * Frames come a few a second on the same stream (they never leave the box). With no frame for
   * a while (no camera, or it was unplugged) the picture of how to hold the passbook is back. */

  var frameShown = 0;
  var frameImage = new Image();
  var pendingFrame = null;

  function drawFrame(frame) {
    var canvas = document.getElementById("viewfinder");
    if (!canvas || !frame.jpeg) return;
    pendingFrame = frame;
    frameImage.onload = function () {
      var f = pendingFrame;
      var c = document.getElementById("viewfinder");
      if (!c || !f) return;
      if (c.width !== f.w || c.height !== f.h) { c.width = f.w; c.height = f.h; }
      var ctx = c.getContext("2d");
      ctx.drawImage(frameImage, 0, 0, f.w, f.h);
      (f.outline || []).forEach(function (quad) {
        ctx.beginPath();
        quad.forEach(function (p, i) { if (i) ctx.lineTo(p[0], p[1]); else ctx.moveTo(p[0], p[1]); });
        ctx.closePath();
        ctx.lineWidth = 4;
        ctx.strokeStyle = "#1fbf4a";
        ctx.stroke();
      });
      c.hidden = false;
      c.dataset.outlined = (f.outline && f.outline.length) ? "yes" : "no";
      body.classList.add("viewfinder-live");
      frameShown = performance.now();
    };
    frameImage.src = "data:image/jpeg;base64," + frame.jpeg;
  }

  window.setInterval(function () {
    if (!frameShown || performance.now() - frameShown < 3000) return;
    frameShown = 0;
    body.classList.remove("viewfinder-live");
    var canvas = document.getElementById("viewfinder");
    if (canvas) canvas.hidden = true;
  }, 1000);

  window.addEventListener("pagehide", function () { if (stream) stream.close(); });

  window.KioskScanner = { normalize: normalize, readCode: readCode };
  connectStream();
})();
