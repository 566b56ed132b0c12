// The login form: JSON to POST /console/login, then the console.
"use strict";
(function () {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  const button = document.getElementById("login-button");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    button.disabled = true;
    try {
      const response = await fetch("/console/login", {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({
          username: document.getElementById("username").value.trim(),
          password: document.getElementById("password").value,
        }),
      });
      if (response.ok) {
        window.location.assign("/console");
        return;
      }
      const body = await response.json().catch(() => ({}));
      error.textContent = body.error || "登录失败，请再试一次。";
    } catch (e) {
      error.textContent = "连不上服务器，请检查网络。";
    } finally {
      button.disabled = false;
    }
  });
})();
