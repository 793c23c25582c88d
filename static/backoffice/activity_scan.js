// 签到 at an activity (活动). A USB scanner types into the scan field and presses Enter, which
// submits it; the field keeps the focus so the next card can be scanned at once. Where the
// browser reads QR codes itself (BarcodeDetector: Chrome on Android), the phone's camera can be
// used instead: a code seen fills the field and submits it, and the camera comes back on after
// the page reloads until it is switched off. Elsewhere the camera button stays hidden.
(() => {
  const field = document.getElementById("scan-code");
  if (!field) return;
  field.focus();
  const start = document.getElementById("camera-start");
  const stop = document.getElementById("camera-stop");
  const video = document.getElementById("camera-view");
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !start) return;
  let stream = null;
  const off = () => {
    sessionStorage.removeItem("activity-camera");
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  };
  const on = async () => {
    const detector = new BarcodeDetector({ formats: ["qr_code"] });
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (error) {
      off();
      return;
    }
    sessionStorage.setItem("activity-camera", "1");
    video.srcObject = stream;
    video.hidden = false;
    start.hidden = true;
    stop.hidden = false;
    await video.play();
    const look = async () => {
      if (!stream) return;
      const found = await detector.detect(video).catch(() => []);
      if (found.length && found[0].rawValue) {
        field.value = found[0].rawValue;
        stream.getTracks().forEach((track) => track.stop());
        field.form.submit();
        return;
      }
      setTimeout(look, 150);
    };
    look();
  };
  start.hidden = false;
  start.addEventListener("click", on);
  stop.addEventListener("click", off);
  if (sessionStorage.getItem("activity-camera") === "1") on();
})();
