// The validation form: says how far an upload has gone (the percentage sent, then the time the
// server has been checking), then shows the report in place of the form. Without this script
// the form posts as a plain form and the browser shows the report the same way.
(function () {
  "use strict";

  // the share sent as the page's language writes it ("14%", "14 %": CLDR's percent format)
  const percentFormat = new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "percent" });

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  }

  // the file name a download is given by the server (Content-Disposition), else a plain one
  function sentName(xhr) {
    const header = xhr.getResponseHeader("Content-Disposition") || "";
    const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (utf8) return decodeURIComponent(utf8[1]);
    const plain = /filename="?([^";]+)"?/i.exec(header);
    return plain ? plain[1] : "report";
  }

  // an HTML answer (the report, or the form saying what was wrong) takes the page's place
  function showPage(html) {
    const parsed = new DOMParser().parseFromString(html, "text/html");
    const root = document.importNode(parsed.documentElement, true);
    document.replaceChild(root, document.documentElement);
    window.scrollTo(0, 0);
    const form = document.getElementById("validate-form");
    if (form) watch(form);
  }

  function download(xhr) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(xhr.response);
    link.download = sentName(xhr);
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function watch(form) {
    const box = document.getElementById("progress");
    const bar = document.getElementById("progress-bar");
    const text = document.getElementById("progress-text");
    const stage = document.getElementById("progress-stage");
    const button = form.querySelector("button[type=submit]");
    let timer = null;

    function say(line, announce) {
      text.textContent = line;
      if (announce) stage.textContent = line;
    }

    function checking() {
      if (timer !== null) return;
      const started = Date.now();
      bar.removeAttribute("value"); // an indeterminate bar: the server does not say how far
      const tick = () => {
        const seconds = Math.round((Date.now() - started) / 1000);
        say(fill(form.dataset.checking, { seconds: seconds }), seconds === 0);
      };
      tick();
      timer = window.setInterval(tick, 1000);
    }

    function finish() {
      if (timer !== null) window.clearInterval(timer);
      timer = null;
      button.disabled = false;
    }

    form.addEventListener("submit", (event) => {
      if (!window.FormData || !window.XMLHttpRequest) return; // the plain form post
      event.preventDefault();
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.responseType = "blob";
      xhr.upload.addEventListener("progress", (progress) => {
        if (!progress.lengthComputable) return;
        const percent = Math.round((100 * progress.loaded) / progress.total);
        bar.value = percent;
        say(fill(form.dataset.uploading, { percent: percentFormat.format(percent / 100) }), percent === 0);
      });
      xhr.upload.addEventListener("load", checking);
      xhr.addEventListener("load", () => {
        finish();
        const type = xhr.getResponseHeader("Content-Type") || "";
        if (type.startsWith("text/html")) {
          xhr.response.text().then((html) => {
            window.history.pushState({ report: true }, "", window.location.href);
            showPage(html);
          });
        } else if (xhr.status < 400) {
          download(xhr);
          box.hidden = true;
        } else {
          xhr.response.text().then((body) => say(body, true));
        }
      });
      xhr.addEventListener("error", () => {
        finish();
        say(form.dataset.failed, true);
      });
      button.disabled = true;
      box.hidden = false;
      bar.value = 0;
      say(fill(form.dataset.uploading, { percent: percentFormat.format(0) }), true);
      xhr.send(new FormData(form));
    });
  }

  // back from a report shown in place of the form: the form again
  window.addEventListener("popstate", () => window.location.reload());
  const form = document.getElementById("validate-form");
  if (form) watch(form);
})();
