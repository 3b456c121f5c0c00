// Parses, validates and renders one Adaptive Card with the official JS renderer; returns what it found.
/* global AdaptiveCards */
(function () {
  "use strict";

  const TEAMS_VERSION = "1.5";
  let hostConfig = null;

  // Events the renderer reports that are no fault of the card.
  const IGNORED_EVENTS = new Set([AdaptiveCards.ValidationEvent.Hint]);

  function eventText(phase, e) {
    const name = AdaptiveCards.ValidationEvent[e.event] || String(e.event);
    return `[${phase}] ${name}: ${e.message}`;
  }

  function walk(node, visit) {
    if (Array.isArray(node)) {
      node.forEach((item) => walk(item, visit));
    } else if (node && typeof node === "object") {
      visit(node);
      Object.values(node).forEach((value) => walk(value, visit));
    }
  }

  // Our own rules, on the JSON as sent: Teams-specific and stricter than the renderer's.
  function ruleWarnings(json) {
    const warnings = [];
    if (json.type !== "AdaptiveCard") warnings.push(`[rule] type must be "AdaptiveCard", not ${JSON.stringify(json.type)}`);
    if (json.version !== TEAMS_VERSION) warnings.push(`[rule] version must be "${TEAMS_VERSION}", not ${JSON.stringify(json.version)}`);
    const seen = new Set();
    walk(json, (node) => {
      if (typeof node.id === "string" && typeof node.type === "string") {
        if (seen.has(node.id)) warnings.push(`[rule] duplicate id "${node.id}"`);
        seen.add(node.id);
      }
      if (typeof node.type === "string" && node.type.startsWith("Input.") && node.isRequired === true) {
        if (!node.label) warnings.push(`[rule] required input "${node.id}" has no label`);
        if (!node.errorMessage) warnings.push(`[rule] required input "${node.id}" has no errorMessage`);
      }
    });
    return warnings;
  }

  window.configureRenderer = function (hostConfigJson) {
    hostConfig = new AdaptiveCards.HostConfig(hostConfigJson);
    AdaptiveCards.GlobalSettings.setTabIndexAtCardRoot = false;
    // The renderer's lang pattern carries the g flag, so exec() keeps lastIndex and every second card's
    // valid "sv"/"en" is reported invalid (microsoft/AdaptiveCards#9145). Same pattern without the flag.
    AdaptiveCards.CardElement.langProperty.regEx = /^[a-z]{2,3}$/i;
  };

  // Waits for every image in the rendered card; a broken data: URI is the card's fault, a blocked remote one is not.
  async function imageWarnings(root) {
    const images = Array.from(root.querySelectorAll("img"));
    await Promise.all(images.map((img) => (img.complete ? null : new Promise((done) => {
      img.addEventListener("load", done, { once: true });
      img.addEventListener("error", done, { once: true });
    }))));
    return images
      .filter((img) => img.src.startsWith("data:") && img.naturalWidth === 0)
      .map((img) => `[render] image "${img.alt || img.src.slice(0, 40)}" does not decode`);
  }

  window.checkCard = async function (json) {
    const target = document.getElementById("card");
    target.replaceChildren();
    const warnings = ruleWarnings(json);
    const context = new AdaptiveCards.SerializationContext(AdaptiveCards.Versions.v1_5);
    const card = new AdaptiveCards.AdaptiveCard();
    card.hostConfig = hostConfig;
    card.onExecuteAction = function () {};
    let rendered = null;
    try {
      card.parse(json, context);
      for (let i = 0; i < context.eventCount; i++) {
        const e = context.getEventAt(i);
        if (!IGNORED_EVENTS.has(e.event)) warnings.push(eventText("parse", e));
      }
      const results = card.validateProperties();
      for (const e of results.validationEvents) {
        if (!IGNORED_EVENTS.has(e.event)) warnings.push(eventText("validate", e));
      }
      rendered = card.render();
    } catch (error) {
      warnings.push(`[render] ${error && error.stack ? error.stack.split("\n")[0] : String(error)}`);
    }
    if (rendered) {
      target.appendChild(rendered);
      warnings.push(...(await imageWarnings(rendered)));
    }
    const height = rendered ? Math.round(rendered.getBoundingClientRect().height) : 0;
    return { warnings: [...new Set(warnings)], rendered: Boolean(rendered) && height > 0, height: height };
  };
})();
