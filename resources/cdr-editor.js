/* Checks the cdrflow edit dialogs share. Loaded by each node's .html from
 * resources/@cdrflow/node-red-cdr/cdr-editor.js (Node-RED loads it before the
 * node definitions that follow it); defining it twice is harmless.
 *
 * A validator here is `function (v, opt)` and returns true or the message to
 * show: Node-RED 4 uses the returned text (on hover over the red field, and in
 * the node's list of errors) only when the function declares two parameters. */
(function () {
  'use strict';
  if (window.cdrflowEditor) return;

  // The texts of the checks every dialog shares; a node's own rules take theirs
  // from its catalog (nodes/locales/<lang>/<type>.json, key <type>.validate.*).
  var MESSAGES = {
    port: 'a port from 1 to 65535',
    wholeNumber: 'a whole number from __min__ to __max__ (blank: the default)',
    number: 'a number from __min__ to __max__ (blank: the default)',
    oneOf: 'one of: __values__',
    allowList: '"__entry__" is not an address or range: write e.g. 192.0.2.10, 10.0.0.0/8 or 2001:db8::/32, separated by commas',
    invalid: 'not a valid value'
  };

  function fill(text, args) {
    return String(text).replace(/__(\w+)__/g, function (all, k) {
      return args && args[k] !== undefined ? String(args[k]) : all;
    });
  }

  function say(key, args) {
    return fill(MESSAGES[key], args);
  }

  /** `key` of the node's own catalog, or `fallback` when the catalog lacks it. */
  function lookup(type, key, args, fallback) {
    var def = window.RED && RED.nodes && RED.nodes.getType(type);
    var out = def && typeof def._ === 'function' ? def._(key, args) : key;
    return out === key ? fallback : out;
  }

  /** The text of `<type>.validate.<key>` from the node's own catalog. */
  function text(type, key, args) {
    return lookup(type, type + '.validate.' + key, args, key);
  }

  /** A validator from a yes/no `test` (called with the node as `this`) and the node's message `key`. */
  function rule(type, key, test) {
    return function (v, opt) {
      return test.call(this, v, opt) ? true : text(type, key);
    };
  }

  function blank(v) {
    return v === undefined || v === null || String(v).trim() === '';
  }

  /** A listening port the user must give: 1-65535 (the runtime also takes 0, any free port, which tests use). */
  function isPort(v) {
    var n = Number(v);
    return !blank(v) && Number.isInteger(n) && n >= 1 && n <= 65535;
  }

  /** A validator for a required port; with `applies`, only when applies.call(node) is true. */
  function port(applies) {
    return function (v, opt) {
      if (applies && !applies.call(this)) return true;
      return isPort(v) || say('port');
    };
  }

  /** A whole number within [min, max], or blank (the runtime's default then). */
  function optionalInt(min, max) {
    return function (v, opt) {
      if (blank(v)) return true;
      var n = Number(v);
      return (Number.isInteger(n) && n >= min && n <= max) || say('wholeNumber', { min: min, max: max });
    };
  }

  /** A number within [min, max], or blank (the runtime's default then). */
  function optionalNumber(min, max) {
    return function (v, opt) {
      if (blank(v)) return true;
      var n = Number(v);
      return (isFinite(n) && n >= min && n <= max) || say('number', { min: min, max: max });
    };
  }

  /** One of `values`, or blank (the runtime's default then). */
  function oneOf(values) {
    return function (v, opt) {
      return blank(v) || values.indexOf(v) >= 0 || say('oneOf', { values: values.join(', ') });
    };
  }

  /** Addresses and CIDR ranges, IPv4 or IPv6, separated by commas, semicolons or spaces; blank = everyone. */
  function validAllowList(v, opt) {
    if (blank(v)) return true;
    var bad = String(v).split(/[\s,;]+/).filter(Boolean).filter(function (e) {
      return !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(e);
    });
    return bad.length === 0 || say('allowList', { entry: bad[0] });
  }

  /** The value of setting `prop` while the dialog is open (its field), else the node's. */
  function current(node, prop, prefix) {
    var el = $('#' + (prefix || 'node-input') + '-' + prop);
    if (!el.length) return node[prop];
    return el.attr('type') === 'checkbox' ? el.is(':checked') : el.val();
  }

  /**
   * `defaults` with every validator's message prefixed by the setting's label
   * (`<type>.label.<prop>` of the node's catalog, else the property name), so
   * the node's list of errors says which setting each one is about.
   */
  function labelled(type, defaults) {
    Object.keys(defaults).forEach(function (prop) {
      var check = defaults[prop].validate;
      if (typeof check !== 'function') return;
      defaults[prop].validate = function (v, opt) {
        var result = check.call(this, v, opt);
        if (result && typeof result !== 'string') return true;
        return labelOf(type, prop) + ': ' + (typeof result === 'string' ? result : say('invalid'));
      };
    });
    return defaults;
  }

  function labelOf(type, prop) {
    return lookup(type, type + '.label.' + prop, undefined, prop);
  }

  /**
   * In an open dialog, shows the dialog's default for every setting the node
   * lacks (a flow saved by an older version has no value for a setting added
   * since, and the runtime then uses that same default): a blank field would
   * say "nothing" where the runtime does something.
   */
  function showAbsentDefaults(node, prefix) {
    var def = RED.nodes.getType(node.type);
    if (!def || !def.defaults) return;
    Object.keys(def.defaults).forEach(function (prop) {
      var d = def.defaults[prop];
      if (node[prop] !== undefined || d.type || d.value === undefined || d.value === '') return;
      var el = $('#' + (prefix || 'node-input') + '-' + prop);
      if (!el.length) return;
      if (el.attr('type') === 'checkbox') el.prop('checked', d.value === true);
      else el.val(String(d.value));
    });
  }

  window.cdrflowEditor = {
    showAbsentDefaults: showAbsentDefaults,
    blank: blank, isPort: isPort, port: port, optionalInt: optionalInt, optionalNumber: optionalNumber, oneOf: oneOf,
    validAllowList: validAllowList, rule: rule, text: text, say: say, current: current, labelled: labelled
  };
})();
