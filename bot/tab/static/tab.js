// The tab's only script: in Teams, get an SSO token with teams-js, load the view with it, follow the Teams
// theme, and fetch downloads with the token. In local dev mode (no app id) the server renders everything.
(function () {
  "use strict";
  var mode = document.body.getAttribute("data-mode");
  var token = null;

  function applyTheme(theme) {
    document.body.setAttribute("data-theme", theme === "dark" || theme === "contrast" ? theme : "default");
  }

  function authHeaders() {
    return token ? { Authorization: "Bearer " + token } : {};
  }

  function wireDownloads(root) {
    if (mode !== "sso") return;  // dev mode: plain links work
    root.querySelectorAll("a[data-download]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        fetch(link.getAttribute("href"), { headers: authHeaders() }).then(function (response) {
          var disposition = response.headers.get("Content-Disposition") || "";
          var match = /filename="([^"]+)"/.exec(disposition);
          return response.blob().then(function (blob) {
            var url = URL.createObjectURL(blob);
            var a = document.createElement("a");
            a.href = url;
            a.download = match ? match[1] : "download";
            document.body.appendChild(a);
            a.click();
            a.remove();
            setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
          });
        });
      });
    });
  }

  function loadContent(params) {
    var main = document.getElementById("content");
    return fetch("/tab/content?" + params.toString(), { headers: authHeaders() })
      .then(function (response) { return response.text(); })
      .then(function (html) { main.innerHTML = html; wireDownloads(main); });
  }

  function configure(teams) {
    // The team tab's settings page: one fixed content page, the same views as the personal tab.
    var origin = location.origin;
    teams.pages.config.registerOnSaveHandler(function (saveEvent) {
      teams.pages.config.setConfig({
        entityId: "overview-team", suggestedDisplayName: document.title,
        contentUrl: origin + "/tab?context=team", websiteUrl: origin + "/tab"
      }).then(function () { saveEvent.notifySuccess(); });
    });
    teams.pages.config.setValidityState(true);
  }

  function start() {
    var params = new URLSearchParams(location.search);
    if (mode === "dev") { wireDownloads(document); return; }
    var teams = window.microsoftTeams;
    if (!teams) { if (mode === "sso") loadContent(params); return; }
    var timeout = new Promise(function (_, reject) { setTimeout(function () { reject(new Error("not in Teams")); }, 5000); });
    Promise.race([teams.app.initialize(), timeout]).then(function () {
      return teams.app.getContext();
    }).then(function (context) {
      applyTheme(context.app && context.app.theme);
      teams.app.registerOnThemeChangeHandler(applyTheme);
      if (mode === "config") { configure(teams); return null; }
      if (!params.has("lang") && context.app && context.app.locale) params.set("lang", context.app.locale);
      var sub = context.page && context.page.subPageId;
      if (sub && !params.has("view")) params.set("view", sub);
      return teams.authentication.getAuthToken().then(function (t) { token = t; }, function () { token = null; })
        .then(function () { return loadContent(params); });
    }).catch(function () {
      if (mode === "sso") loadContent(params);  // outside Teams: the server explains that a sign-in is needed
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
