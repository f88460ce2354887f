/*
 * kapdocs: glossary previews on term links.
 *
 * Each term link carries its definition as a plain `title` (written at build time, so it
 * works without JavaScript). Here the title becomes a popover with role="tooltip", tied to
 * the link by aria-describedby, shown on hover and on keyboard focus and hidden with
 * Escape. The title is removed so the browser does not show a second, native tooltip.
 */
"use strict";

(() => {
  const HIDE_DELAY_MS = 200;
  const GAP_PX = 6;
  const MARGIN_PX = 8;
  const tips = new Map();
  let current = null;
  let hideTimer = 0;

  const tipFor = (text) => {
    let tip = tips.get(text);
    if (!tip) {
      tip = document.createElement("div");
      tip.id = `kapdocs-tip-${tips.size + 1}`;
      tip.className = "kapdocs-tooltip";
      tip.setAttribute("role", "tooltip");
      tip.hidden = true;
      tip.textContent = text;
      // Pointer may move onto the popover to read it (WCAG 1.4.13, hoverable).
      tip.addEventListener("mouseenter", () => clearTimeout(hideTimer));
      tip.addEventListener("mouseleave", () => scheduleHide());
      document.body.append(tip);
      tips.set(text, tip);
    }
    return tip;
  };

  const place = (link, tip) => {
    tip.style.left = "0px";
    tip.style.top = "0px";
    const box = link.getBoundingClientRect();
    const width = tip.offsetWidth;
    const height = tip.offsetHeight;
    const viewport = document.documentElement.clientWidth;
    const left = Math.max(MARGIN_PX, Math.min(box.left, viewport - width - MARGIN_PX));
    const below = box.bottom + GAP_PX + height <= window.innerHeight;
    const top = below || box.top < height + GAP_PX
      ? box.bottom + GAP_PX
      : box.top - GAP_PX - height;
    tip.style.left = `${left + window.scrollX}px`;
    tip.style.top = `${top + window.scrollY}px`;
  };

  const show = (link) => {
    clearTimeout(hideTimer);
    const tip = document.getElementById(link.getAttribute("aria-describedby"));
    if (!tip) return;
    if (current && current !== tip) current.hidden = true;
    tip.hidden = false;
    place(link, tip);
    current = tip;
  };

  const hide = () => {
    clearTimeout(hideTimer);
    if (current) current.hidden = true;
    current = null;
  };

  const scheduleHide = () => {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, HIDE_DELAY_MS);
  };

  const init = () => {
    for (const link of document.querySelectorAll("a.reference[title]")) {
      if (!link.querySelector(".std-term")) continue;
      const tip = tipFor(link.getAttribute("title"));
      link.removeAttribute("title");
      link.setAttribute("aria-describedby", tip.id);
      link.addEventListener("mouseenter", () => show(link));
      link.addEventListener("mouseleave", scheduleHide);
      link.addEventListener("focus", () => show(link));
      link.addEventListener("blur", hide);
    }
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && current) hide();
    });
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
