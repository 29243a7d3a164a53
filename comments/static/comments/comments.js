/* The comment section, enhanced. Everything here also works without
 * JavaScript (plain links and form posts); this script only does the same
 * requests with fetch and updates the page in place. The server answers
 * JSON when it sees "X-Requested-With: fetch". No dependencies. */
(function () {
  "use strict";

  var section = document.querySelector(".comments");
  if (!section || !window.fetch || !window.FormData) return;

  var live = document.getElementById("comments-live");
  var postForm = document.getElementById("comment-form");
  var postBox = document.getElementById("post-box");
  var postHome = document.getElementById("post-home");
  var HEADERS = { "X-Requested-With": "fetch", "Accept": "application/json" };

  function announce(text) {
    if (!live) return;
    // Same markup as the server's notices; the surrounding aria-live
    // region (present from the start) makes screen readers announce it.
    live.textContent = "";
    var box = document.createElement("div");
    box.className = "notices";
    box.setAttribute("role", "status");
    var p = document.createElement("p");
    p.className = "notice notice-success";
    p.textContent = text;
    box.appendChild(p);
    live.appendChild(box);
  }

  function fragment(html) {
    var t = document.createElement("template");
    t.innerHTML = html.trim();
    return t.content;
  }

  function clearErrors(form) {
    form.querySelectorAll(".field-errors").forEach(function (el) { el.remove(); });
    form.querySelectorAll(".field-invalid").forEach(function (el) { el.classList.remove("field-invalid"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && !/_errors$/.test(id);
      });
      if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
      else el.removeAttribute("aria-describedby");
    });
    var top = form.querySelector(".form-errors");
    if (top) { top.textContent = ""; top.hidden = true; }
  }

  function errorList(messages) {
    var ul = document.createElement("ul");
    ul.className = "errorlist";
    messages.forEach(function (m) {
      var li = document.createElement("li");
      li.textContent = m;
      ul.appendChild(li);
    });
    return ul;
  }

  /* Errors next to their fields, as the server-rendered form shows them;
   * the first invalid field gets the focus. */
  function showErrors(form, errors) {
    clearErrors(form);
    var first = null;
    var loose = [];
    Object.keys(errors).forEach(function (name) {
      var wrap = form.querySelector('.field[data-field="' + name + '"]');
      if (!wrap) { loose = loose.concat(errors[name]); return; }
      wrap.classList.add("field-invalid");
      var box = document.createElement("div");
      box.className = "field-errors";
      var input = wrap.querySelector("input, textarea, select");
      box.id = (input && input.id ? input.id : "id_" + name) + "_errors";
      box.appendChild(errorList(errors[name]));
      wrap.appendChild(box);
      wrap.querySelectorAll("input, textarea, select").forEach(function (el) {
        el.setAttribute("aria-invalid", "true");
        var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        ids.push(box.id);
        el.setAttribute("aria-describedby", ids.join(" "));
      });
      if (!first && input) first = input;
    });
    var top = form.querySelector(".form-errors");
    if (loose.length && top) {
      top.appendChild(errorList(loose));
      top.hidden = false;
      top.setAttribute("tabindex", "-1");
      if (!first) first = top;
    }
    if (first) first.focus();
  }

  function send(form) {
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: HEADERS,
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) {
        return { ok: response.ok, data: data };
      });
    }).catch(function () {
      return { ok: false, data: { errors: { __all__: ["Could not reach the server. Check your connection and try again."] } } };
    }).finally(function () {
      if (button) button.disabled = false;
    });
  }

  function comment(id) { return document.getElementById("comment-" + id); }

  /* Hide "Your comments awaiting publication" once it is empty. */
  function tidyOwn() {
    var own = document.getElementById("own-pending");
    if (!own || own.children.length) return;
    own.hidden = true;
    var heading = document.querySelector(".own-heading");
    if (heading) heading.remove();
  }

  /* --- Posting and replying ------------------------------------------ */

  function parentInput() { return postForm.querySelector('input[name="parent"]'); }

  function openReply(link) {
    var li = comment(link.dataset.replyTo) || link.closest("li.comment");
    parentInput().value = link.dataset.replyTo;
    var context = postForm.querySelector(".reply-context");
    // The heading says who is answered; the line keeps only "Cancel reply".
    context.querySelector(".reply-label").textContent = "";
    context.hidden = false;
    document.getElementById("post-heading").textContent = "Reply to " + link.dataset.replyName;
    postBox.classList.add("replying");
    li.appendChild(postBox);
    postForm.querySelector("textarea").focus();
  }

  function closeReply(focusBack) {
    var id = parentInput().value;
    parentInput().value = "";
    postForm.querySelector(".reply-context").hidden = true;
    document.getElementById("post-heading").textContent = "Post a Comment";
    postBox.classList.remove("replying");
    postHome.appendChild(postBox);
    var back = id && comment(id) && comment(id).querySelector(".action-reply");
    if (focusBack && back) back.focus();
  }

  function placeNew(data) {
    var node = fragment(data.html);
    var li = node.firstElementChild;
    if (data.parent && comment(data.parent)) {
      var parent = comment(data.parent);
      var list = parent.querySelector("ol.replies");
      if (!list) {
        list = document.createElement("ol");
        list.className = "replies";
        list.id = "replies-" + data.parent;
        var name = parent.querySelector(".comment-author");
        list.setAttribute("aria-label", "Replies to " + (name ? name.textContent : "this comment"));
        parent.insertBefore(list, parent.querySelector(".post-box"));
      }
      list.appendChild(node);
    } else {
      var own = document.getElementById("own-pending");
      own.hidden = false;
      if (!document.querySelector(".own-heading")) {
        var h = document.createElement("h3");
        h.className = "own-heading";
        h.textContent = "Your comments awaiting publication";
        own.parentNode.insertBefore(h, own);
      }
      own.appendChild(node);
    }
    return li;
  }

  if (postForm) {
    postForm.addEventListener("submit", function (event) {
      event.preventDefault();
      send(postForm).then(function (result) {
        if (!result.ok) { showErrors(postForm, result.data.errors || {}); return; }
        clearErrors(postForm);
        var keep = {};
        ["author_name", "author_email"].forEach(function (n) {
          var el = postForm.elements[n];
          if (el) keep[n] = el.value;
        });
        postForm.reset();
        Object.keys(keep).forEach(function (n) { postForm.elements[n].value = keep[n]; });
        if (parentInput() && parentInput().value) closeReply(false);
        var li = placeNew(result.data);
        announce(result.data.message);
        if (li) li.focus();
      });
    });
  }

  section.addEventListener("click", function (event) {
    var link = event.target.closest("a");
    if (!link || !section.contains(link)) return;
    if (link.matches(".action-reply") && postForm) {
      event.preventDefault();
      openReply(link);
    } else if (link.matches("[data-cancel-reply]") && postForm) {
      event.preventDefault();
      closeReply(true);
    } else if (link.matches(".action-edit, .action-report")) {
      event.preventDefault();
      openInline(link);
    } else if (link.matches("[data-cancel]")) {
      event.preventDefault();
      closeInline(link.closest("form"));
    } else if (link.matches(".action-delete")) {
      event.preventDefault();
      remove(link);
    } else if (link.matches("[data-load-more]")) {
      event.preventDefault();
      loadMore(link);
    }
  });

  /* --- Edit and report, in place -------------------------------------- */

  function openInline(link) {
    var card = link.closest(".comment-card");
    var existing = card.parentNode.querySelector(":scope > form[data-enhance]");
    if (existing) { existing.querySelector("textarea, input:not([type=hidden])").focus(); return; }
    fetch(link.href, { headers: HEADERS, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        var form = fragment(data.html).firstElementChild;
        card.after(form);
        var first = form.querySelector("textarea, input:not([type=hidden])");
        if (first) first.focus();
        form.addEventListener("submit", function (e) {
          e.preventDefault();
          send(form).then(function (result) {
            if (!result.ok) { showErrors(form, result.data.errors || {}); return; }
            announce(result.data.message);
            if (form.dataset.enhance === "edit") {
              var old = comment(form.dataset.comment);
              var replies = old.querySelector(":scope > ol.replies");
              var fresh = fragment(result.data.html).firstElementChild;
              if (replies) fresh.appendChild(replies);
              old.replaceWith(fresh);
              fresh.focus();
            } else {
              var action = card.querySelector(".action-report");
              var done = document.createElement("span");
              done.className = "action reported";
              done.textContent = "Reported";
              if (action) action.replaceWith(done);
              form.remove();
              card.closest("li").focus();
            }
          });
        });
      })
      .catch(function () { window.location.href = link.href; });
  }

  function closeInline(form) {
    var li = form.closest("li.comment");
    var trigger = li.querySelector(form.dataset.enhance === "edit" ? ".action-edit" : ".action-report");
    form.remove();
    if (trigger) trigger.focus();
  }

  function remove(link) {
    if (!window.confirm("Delete your comment? This cannot be undone.")) return;
    var li = link.closest("li.comment");
    var body = new FormData();
    var token = document.querySelector('input[name="csrfmiddlewaretoken"]');
    if (!token) { window.location.href = link.href; return; }
    body.append("csrfmiddlewaretoken", token.value);
    fetch(link.href, { method: "POST", body: body, headers: HEADERS, credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); })
      .then(function (result) {
        if (!result.ok) { announce((result.data.errors.__all__ || ["Could not delete it."])[0]); return; }
        li.remove();
        tidyOwn();
        announce(result.data.message);
        document.getElementById("comments-heading").focus();
      })
      .catch(function () { window.location.href = link.href; });
  }

  /* --- Load more -------------------------------------------------------- */

  function loadMore(link) {
    link.setAttribute("aria-busy", "true");
    var url = link.getAttribute("href").split("#")[0];
    fetch(url, { headers: HEADERS, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        var list = document.getElementById("comment-list");
        var nodes = fragment(data.html);
        var first = nodes.firstElementChild;
        // The reader's own pending reply to a comment on this page was
        // listed at the top until now; it moves under its comment.
        nodes.querySelectorAll("li.comment[id]").forEach(function (li) {
          var old = document.getElementById(li.id);
          if (old) old.remove();
        });
        tidyOwn();
        list.appendChild(nodes);
        if (data.next) {
          link.setAttribute("href", data.next + "#comment-list");
          link.removeAttribute("aria-busy");
        } else {
          link.parentNode.remove();
        }
        if (first) first.focus();
        announce("More comments loaded.");
      })
      .catch(function () { window.location.href = link.href; });
  }
})();
