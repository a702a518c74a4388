// Haat cart enhancement. Every form works without this script (a normal post and a page
// load); with it, "Add to cart" stays on the page and the cart count updates in place.
(function () {
  "use strict";
  function setCount(count) {
    document.querySelectorAll("[data-cart-count]").forEach(function (el) {
      el.textContent = String(count);
      el.hidden = count === 0;
    });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-cart-add]")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    var label = button ? button.textContent : "";
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (cart) {
      setCount(cart.count);
      if (button) {
        button.textContent = "Added \u2713";
        setTimeout(function () { button.textContent = label; button.disabled = false; }, 1500);
      }
    }).catch(function () {
      // Fall back to the plain post, which shows a page with the reason.
      if (button) button.disabled = false;
      form.submit();
    });
  });
  var counter = document.querySelector("[data-cart-slug]");
  if (counter) {
    fetch("/api/v1/storefront/" + encodeURIComponent(counter.getAttribute("data-cart-slug")) + "/cart", {
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    }).then(function (response) { return response.ok ? response.json() : null; })
      .then(function (cart) { if (cart) setCount(cart.count); })
      .catch(function () {});
  }
})();
