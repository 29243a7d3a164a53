/* The moderation desk: decide from the keyboard, without page reloads.
 *
 * Every decision is a POST (with the CSRF token) to the admin's decide/undo
 * endpoints, which call the same services as everything else. Without
 * JavaScript the page still works: the buttons submit the form. */
(function () {
  "use strict";

  var desk = document.getElementById("desk");
  if (!desk) return;
  var list = document.getElementById("desk-cards");
  var form = document.getElementById("desk-form");
  var live = document.getElementById("desk-live");
  var toast = document.getElementById("desk-toast");
  var toastText = document.getElementById("desk-toast-text");
  var undoButton = document.getElementById("desk-undo");
  var dialog = document.getElementById("desk-reject-dialog");
  var depth = document.getElementById("desk-depth");
  var empty = document.getElementById("desk-empty");
  var help = document.getElementById("desk-help");
  var selectedCount = document.getElementById("desk-selected-count");
  var undoSeconds = parseInt(desk.dataset.undoSeconds, 10) || 10;
  var VERBS = { approve: "Approved", reject: "Rejected", spam: "Marked as spam" };

  var current = 0;
  var last = null; // {ids, removed: [{el, next}], timer}
  var expired = null; // ids of the last decision once its undo window has passed
  var rejecting = null; // ids waiting for a reason
  var busy = false;
  var refilling = false;
  var REFILL_BELOW = 5;

  function cards() {
    return list ? Array.prototype.slice.call(list.querySelectorAll(".desk-card")) : [];
  }

  function csrfToken() {
    var input = document.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function announce(text) {
    // Cleared first so that the same words are announced again.
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function focusCard(index) {
    var all = cards();
    empty.hidden = all.length > 0;
    if (!all.length) { empty.setAttribute("tabindex", "-1"); empty.focus(); return; }
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (card, i) { card.classList.toggle("is-current", i === current); });
    all[current].focus({ preventScroll: true });
    all[current].scrollIntoView({ block: "nearest", behavior: "auto" });
  }

  function currentCard() { return cards()[current] || null; }

  function selectedIds() {
    return cards().filter(function (card) {
      return card.querySelector(".desk-select").checked;
    }).map(function (card) { return card.dataset.id; });
  }

  function updateSelection() {
    cards().forEach(function (card) {
      card.classList.toggle("is-selected", card.querySelector(".desk-select").checked);
    });
    if (selectedCount) selectedCount.textContent = selectedIds().length + " selected";
  }

  function showToast(text, isError, withUndo) {
    toastText.textContent = text;
    toast.classList.toggle("is-error", !!isError);
    undoButton.hidden = !withUndo;
    toast.hidden = false;
  }

  function hideToast() { toast.hidden = true; }

  function post(url, fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (key) {
      [].concat(fields[key]).forEach(function (value) { body.append(key, value); });
    });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      if (response.redirected && response.url.indexOf("/login/") !== -1) {
        return { done: [], errors: [{ error: "Your session has expired: reload the page and log in again. Nothing was changed." }] };
      }
      return response.json().catch(function () {
        return { done: [], errors: [{ error: "The server answered " + response.status + "." }] };
      });
    }, function () {
      return { done: [], errors: [{ error: "Could not reach the server; nothing was changed." }] };
    });
  }

  function errorText(payload) {
    return (payload.errors || []).map(function (e) { return e.error; }).join(" ");
  }

  function decide(ids, action, reasonCode) {
    if (!ids.length || busy) return;
    busy = true;
    var fields = { action: action, ids: ids };
    if (reasonCode) fields.reason_code = reasonCode;
    post(desk.dataset.decideUrl, fields).then(function (payload) {
      busy = false;
      var doneIds = (payload.done || []).map(function (d) { return String(d.id); });
      var index = current;
      var removed = [];
      cards().forEach(function (card, i) {
        if (doneIds.indexOf(card.dataset.id) !== -1) {
          if (i < index) index -= 1;
          removed.push({ el: card, next: card.nextElementSibling });
        }
      });
      removed.forEach(function (r) { r.el.remove(); r.el.classList.remove("is-current"); });
      if (typeof payload.depth === "number") depth.textContent = payload.depth;
      var errors = errorText(payload);
      if (doneIds.length) {
        var what = doneIds.length === 1 ? "comment #" + doneIds[0] : doneIds.length + " comments";
        var text = VERBS[action] + " " + what + (reasonCode ? " (" + reasonLabel(reasonCode) + ")" : "") + ".";
        rememberForUndo(doneIds, removed);
        showToast(text + (errors ? " " + errors : ""), !!errors, true);
        announce(text + " Press U within " + undoSeconds + " seconds to undo." + (errors ? " " + errors : ""));
        updateSelection();
        focusCard(index);
        refill();
      } else {
        showToast(errors || "Nothing was changed.", true, false);
        announce(errors || "Nothing was changed.");
      }
    });
  }

  // Fetch the page again and append the cards not shown yet, so that the
  // editor never runs dry while the queue still holds comments.
  function refill() {
    if (!list || refilling || cards().length >= REFILL_BELOW) return;
    refilling = true;
    var wasEmpty = cards().length === 0;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        refilling = false;
        if (!html) return;
        var page = new DOMParser().parseFromString(html, "text/html");
        var waiting = last ? last.ids : [];
        var added = 0;
        page.querySelectorAll(".desk-card").forEach(function (card) {
          if (document.getElementById(card.id) || waiting.indexOf(card.dataset.id) !== -1) return;
          card.classList.remove("is-current");
          list.appendChild(document.importNode(card, true));
          var banForm = page.getElementById("banform-" + card.dataset.id);
          if (banForm && !document.getElementById(banForm.id)) desk.appendChild(document.importNode(banForm, true));
          added += 1;
        });
        if (added) {
          updateSelection();
          announce(added + " more comment" + (added > 1 ? "s" : "") + " loaded.");
          if (wasEmpty) focusCard(0);
          else empty.hidden = true;
        }
      }, function () { refilling = false; });
  }

  function reasonLabel(code) {
    var option = document.querySelector("#desk-bulk-reason option[value='" + code + "']");
    return option ? option.textContent : code;
  }

  function rememberForUndo(ids, removed) {
    if (last && last.timer) window.clearTimeout(last.timer);
    expired = null;
    last = {
      ids: ids,
      removed: removed,
      timer: window.setTimeout(function () { expired = ids; last = null; hideToast(); }, undoSeconds * 1000)
    };
  }

  function undo() {
    if (busy) return;
    if (!last) {
      // Say why nothing happens rather than nothing at all.
      var why = expired
        ? "Too late to undo " + (expired.length === 1 ? "comment #" + expired[0] : expired.length + " comments") +
          ": the " + undoSeconds + "-second undo window has passed. Change the decision from the comment's page."
        : "Nothing to undo.";
      showToast(why, true, false);
      announce(why);
      window.setTimeout(hideToast, 5000);
      return;
    }
    var undoing = last;
    window.clearTimeout(undoing.timer);
    last = null;
    busy = true;
    post(desk.dataset.undoUrl, { ids: undoing.ids }).then(function (payload) {
      busy = false;
      var doneIds = (payload.done || []).map(function (d) { return String(d.id); });
      var first = null;
      // Put the cards back where they were, last removed first.
      undoing.removed.slice().reverse().forEach(function (r) {
        if (doneIds.indexOf(r.el.dataset.id) === -1) return;
        r.el.querySelector(".desk-select").checked = false;
        if (r.next && r.next.parentNode === list) list.insertBefore(r.el, r.next);
        else list.appendChild(r.el);
        first = r.el;
      });
      if (typeof payload.depth === "number") depth.textContent = payload.depth;
      var errors = errorText(payload);
      if (doneIds.length) {
        var text = "Undone: comment" + (doneIds.length > 1 ? "s " : " #") + doneIds.join(", #") + " back in the queue.";
        showToast(text + (errors ? " " + errors : ""), !!errors, false);
        announce(text);
        window.setTimeout(hideToast, 3000);
        updateSelection();
        focusCard(cards().indexOf(first));
      } else {
        showToast(errors || "Nothing to undo.", true, false);
        announce(errors || "Nothing to undo.");
      }
    });
  }

  function askReason(ids) {
    if (!ids.length) return;
    rejecting = ids;
    dialog.returnValue = "";
    dialog.showModal();
  }

  dialog.addEventListener("keydown", function (event) {
    var n = parseInt(event.key, 10);
    var buttons = dialog.querySelectorAll(".desk-reject-options button");
    if (n >= 1 && n <= buttons.length) {
      event.preventDefault();
      dialog.close(buttons[n - 1].value);
    }
  });

  dialog.addEventListener("close", function () {
    var ids = rejecting;
    rejecting = null;
    if (ids && dialog.returnValue) decide(ids, "reject", dialog.returnValue);
    else focusCard(current);
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (dialog.open) return;
    var target = event.target;
    if (target.closest && target.closest("input:not([type=checkbox]), textarea, select")) return;
    var card = currentCard();
    var id = card ? [card.dataset.id] : [];
    var handled = true;
    switch (event.key) {
      case "j": case "ArrowDown": focusCard(current + 1); break;
      case "k": case "ArrowUp": focusCard(current - 1); break;
      case "a": decide(id, "approve"); break;
      case "s": decide(id, "spam"); break;
      case "r": askReason(id); break;
      case "A": decide(selectedIds(), "approve"); break;
      case "S": decide(selectedIds(), "spam"); break;
      case "R": askReason(selectedIds()); break;
      case "o":
        if (card) window.open(card.dataset.articleUrl, "_blank", "noopener");
        break;
      case "x":
        if (card) {
          var box = card.querySelector(".desk-select");
          box.checked = !box.checked;
          updateSelection();
          announce((box.checked ? "Selected" : "Unselected") + " comment #" + card.dataset.id + ". " + selectedIds().length + " selected.");
        }
        break;
      case "u": undo(); break;
      case "?": help.open = !help.open; break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  undoButton.addEventListener("click", undo);

  if (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button) return;
      event.preventDefault();
      if (button.name === "card") {
        var parts = button.value.split(":");
        var select = document.getElementById("reason-" + parts[1]);
        current = cards().indexOf(document.getElementById("card-" + parts[1]));
        decide([parts[1]], parts[0], parts[0] === "reject" ? select.value : "");
      } else if (button.name === "action") {
        var ids = selectedIds();
        if (!ids.length) { showToast("Select comments first (x).", true, false); return; }
        decide(ids, button.value, button.value === "reject" ? document.getElementById("desk-bulk-reason").value : "");
      }
    });
    form.addEventListener("change", function (event) {
      if (event.target.classList.contains("desk-select")) updateSelection();
    });
    list.addEventListener("click", function (event) {
      var card = event.target.closest(".desk-card");
      if (card && !event.target.closest("button, a, select, input, summary, label")) {
        focusCard(cards().indexOf(card));
      }
    });
  }

  // Delegated: ban forms of cards loaded later are handled too.
  document.addEventListener("submit", function (event) {
    var banForm = event.target;
    if (!banForm.classList || !banForm.classList.contains("desk-ban-form")) return;
    (function () {
      event.preventDefault();
      var fields = {};
      new FormData(banForm).forEach(function (value, key) { fields[key] = value; });
      post(desk.dataset.banUrl, fields).then(function (payload) {
        var text = payload.message || errorText(payload);
        showToast(text, !payload.message, false);
        announce(text);
        window.setTimeout(hideToast, 4000);
      });
    })();
  });

  if (cards().length) focusCard(0);
})();
