/* Checks the cdrflow edit dialogs share. Loaded by each node's .html from
 * resources/@cdrflow/node-red-cdr/cdr-editor.js (Node-RED loads it before the
 * node definitions that follow it); defining it twice is harmless. */
(function () {
  'use strict';
  if (window.cdrflowEditor) return;

  function blank(v) {
    return v === undefined || v === null || String(v).trim() === '';
  }

  /** A listening port the user must give: 1-65535 (the runtime also takes 0, any free port, which tests use). */
  function isPort(v) {
    var n = Number(v);
    return !blank(v) && Number.isInteger(n) && n >= 1 && n <= 65535;
  }

  /** A whole number within [min, max], or blank (the runtime's default then). */
  function optionalInt(min, max) {
    return function (v) {
      if (blank(v)) return true;
      var n = Number(v);
      return Number.isInteger(n) && n >= min && n <= max;
    };
  }

  /** One of `values`, or blank (the runtime's default then). */
  function oneOf(values) {
    return function (v) {
      return blank(v) || values.indexOf(v) >= 0;
    };
  }

  /** Addresses and CIDR ranges, IPv4 or IPv6, separated by commas, semicolons or spaces; blank = everyone. */
  function validAllowList(v) {
    if (blank(v)) return true;
    return String(v).split(/[\s,;]+/).filter(Boolean).every(function (e) {
      return /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(e);
    });
  }

  window.cdrflowEditor = { blank: blank, isPort: isPort, optionalInt: optionalInt, oneOf: oneOf, validAllowList: validAllowList };
})();
