/*
 * kapdocs: on the search page, show the definitions of glossary terms that match the query,
 * above Sphinx's results. A term matches when the query is one of its names ("BDNF",
 * "brain-derived neurotrophic factor"), starts one ("NMDA" -> "NMDA receptor") or is a
 * whole word of one. The entries come from kapdocs-glossary.js, written at build time.
 */
"use strict";

(() => {
  const MAX_TERMS = 3;
  const fold = (text) =>
    text
      .normalize("NFKD")
      .replace(/\p{Mark}/gu, "")
      .toLowerCase()
      .replace(/[^\p{Letter}\p{Number}]+/gu, " ")
      .trim();

  const score = (entry, query) => {
    let best = 0;
    for (const name of entry.names.map(fold)) {
      if (name === query) best = Math.max(best, 3);
      else if (name.startsWith(`${query} `)) best = Math.max(best, 2);
      else if (query.length > 2 && ` ${name} `.includes(` ${query} `)) best = Math.max(best, 1);
    }
    return best;
  };

  const render = (matches) => {
    const root = document.documentElement.dataset.content_root || "";
    const section = document.createElement("section");
    section.className = "kapdocs-search-terms";
    section.setAttribute("aria-labelledby", "kapdocs-search-terms-title");
    const heading = document.createElement("h2");
    heading.id = "kapdocs-search-terms-title";
    heading.textContent = "From the glossary";
    const list = document.createElement("dl");
    for (const entry of matches) {
      const term = document.createElement("dt");
      const link = document.createElement("a");
      link.href = root + entry.href;
      link.textContent = entry.names.join(", ");
      term.append(link);
      const definition = document.createElement("dd");
      definition.textContent = entry.text;
      list.append(term, definition);
    }
    section.append(heading, list);
    return section;
  };

  const init = () => {
    const results = document.getElementById("search-results");
    const query = fold(new URLSearchParams(window.location.search).get("q") || "");
    if (!results || !query) return;
    const matches = (window.kapdocsGlossary || [])
      .map((entry) => [score(entry, query), entry])
      .filter(([points]) => points > 0)
      .sort((a, b) => b[0] - a[0])
      .slice(0, MAX_TERMS)
      .map(([, entry]) => entry);
    if (matches.length) results.before(render(matches));
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
