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

  /**
   * The validators below say what is wrong in the shared words, or, given
   * `message` (a function of the same arguments), in the node's own.
   */
  function saying(message, key, args) {
    return message ? message(args) : say(key, args);
  }

  /** A whole number within [min, max], or blank (the runtime's default then). */
  function optionalInt(min, max, message) {
    return function (v, opt) {
      if (blank(v)) return true;
      var n = Number(v);
      return (Number.isInteger(n) && n >= min && n <= max) || saying(message, 'wholeNumber', { min: min, max: max });
    };
  }

  /** A number within [min, max] (max may be left out), or blank (the runtime's default then). */
  function optionalNumber(min, max, message) {
    var top = max === undefined ? Infinity : max;
    return function (v, opt) {
      if (blank(v)) return true;
      var n = Number(v);
      return (isFinite(n) && n >= min && n <= top) || saying(message, 'number', { min: min, max: max });
    };
  }

  /** One of `values`, or blank (the runtime's default then). */
  function oneOf(values, message) {
    return function (v, opt) {
      return blank(v) || values.indexOf(v) >= 0 || saying(message, 'oneOf', { values: values.join(', ') });
    };
  }

  /** `text` bound to one node type: `t(key, args)` reads `<type>.validate.<key>`. */
  function catalog(type) {
    return function (key, args) {
      return text(type, key, args);
    };
  }

  /** An IANA time zone name (Europe/Berlin), or blank (the host's zone). */
  function timeZone(message) {
    return function (v, opt) {
      return blank(v) || /^[A-Za-z_]+(\/[A-Za-z0-9_+\-]+)*$/.test(String(v).trim()) || message();
    };
  }

  /**
   * A list of number prefixes, one a line (`prefix,description`, a rate table
   * pasted as it is; a header line and # comments are skipped), as the
   * runtime's prefix-list parser reads it. `message({line, value})` names the
   * first line that is not a prefix.
   */
  function prefixList(message) {
    return function (v, opt) {
      if (blank(v)) return true;
      var lines = String(v).split(/\r?\n/), seen = 0;
      for (var i = 0; i < lines.length; i++) {
        var l = lines[i].trim();
        if (!l || l.charAt(0) === '#') continue;
        var first = l.split(/[,;\t]/)[0].trim().replace(/^"|"$/g, '');
        if (seen === 0 && /^[A-Za-z]/.test(first)) continue;
        seen++;
        if (!/^\+?[\d\s\-().\/]+$/.test(first)) return message({ line: i + 1, value: first });
      }
      return true;
    };
  }

  /**
   * The rows of setting `prop` (a JSON list in the hidden input
   * #node-input-<prop>) as an editable list #node-input-<prop>-list: sortable,
   * removable, `addItem(row, data)` builds a row; its add button gets the id
   * #node-input-<prop>-add.
   */
  function rowList(node, prop, height, addItem) {
    var list = $('#node-input-' + prop + '-list');
    list.editableList({
      addItem: function (row, i, data) {
        addItem(row, data);
      },
      removable: true,
      sortable: true,
      height: height
    });
    var rows = [];
    try {
      rows = JSON.parse(node[prop] || '[]');
    } catch (e) {
      rows = [];
    }
    (Array.isArray(rows) ? rows : []).forEach(function (r) {
      list.editableList('addItem', r);
    });
    var box = list.closest('.red-ui-editableList');
    box.find('.red-ui-editableList-addButton').attr('id', 'node-input-' + prop + '-add');
    // Each row added scrolls to it (a timer of the list's): show the list from its first row, after them.
    setTimeout(function () {
      box.find('.red-ui-editableList-container').scrollTop(0);
    }, 0);
  }

  /** Writes the rows of rowList `prop` back into its hidden input, `read(row)` giving each one. */
  function saveRowList(prop, read) {
    var rows = [];
    $('#node-input-' + prop + '-list').editableList('items').each(function () {
      rows.push(read($(this)));
    });
    $('#node-input-' + prop).val(JSON.stringify(rows));
  }

  /**
   * A code editor (div #node-input-<prop>-editor) for the multi-line setting
   * `prop` (hidden input #node-input-<prop>), as `node.editor`. The hidden input
   * follows each keystroke, so its validator marks the text as it is typed.
   */
  function textEditor(node, prop) {
    var field = $('#node-input-' + prop);
    var editor = RED.editor.createEditor({ id: 'node-input-' + prop + '-editor', mode: 'text', value: field.val() });
    editor.getSession().on('change', function () {
      field.val(editor.getValue()).trigger('change');
    });
    node.editor = editor;
  }

  /** Closes textEditor `prop`; `save` keeps its text in the setting (the dialog's Done). */
  function closeTextEditor(node, prop, save) {
    if (!node.editor) return;
    if (save) $('#node-input-' + prop).val(node.editor.getValue());
    node.editor.destroy();
    delete node.editor;
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

  /*
   * The settings of the source layer every source node has (journal and
   * delivery, batch output): their defaults, their dialog rows and the part of
   * oneditprepare they need, written once here for the five source dialogs.
   * A dialog's template holds `<div data-cdrflow-rows="source"></div>` where
   * the rows go; its script calls addSourceRows(type) as it loads, so the rows
   * are in the template before any dialog is built from it (Node-RED then fills
   * and checks them as it does every field).
   */
  var SOURCE_ROWS_MARK = '<div data-cdrflow-rows="source"></div>';

  /** `own` (a node's defaults) with those of the journal and the batch output added. */
  function sourceDefaults(own) {
    // Absent from flows saved before the journal existed: on, with the runtime's defaults.
    own.journal = { value: true };
    own.journalDir = { value: '' };
    own.journalMaxMb = { value: 256, validate: optionalInt(1, 1048576) };
    own.journalFsync = { value: 'always', validate: oneOf(['always', 'never']) };
    own.ackTimeoutSec = { value: 60, validate: optionalInt(1, 86400) };
    // Batch output: off (one message per record) unless a size is set.
    own.batchSize = { value: 0, validate: optionalInt(0, 100000) };
    own.batchMs = { value: 1000, validate: optionalNumber(1, 3600000) };
    return own;
  }

  function row(type, prop, icon, field, extraClass) {
    return '<div class="form-row' + (extraClass ? ' ' + extraClass : '') + '">' +
      '<label for="node-input-' + prop + '"><i class="fa ' + icon + '"></i> <span data-i18n="' + type + '.label.' + prop + '"></span></label> ' +
      field + '</div>';
  }

  /** The journal rows of `type`'s dialog (the checkbox, then the rows it shows). */
  function journalRowsHtml(type) {
    var cls = type + '-journal-row';
    return row(type, 'journal', 'fa-hdd-o', '<input type="checkbox" id="node-input-journal" style="display:inline-block; width:auto; vertical-align:top;"> <span data-i18n="' + type + '.journal.on"></span>') +
      row(type, 'journalDir', 'fa-folder-o', '<input type="text" id="node-input-journalDir" style="width:70%" data-i18n="[placeholder]' + type + '.placeholder.journalDir">', cls) +
      row(type, 'journalMaxMb', 'fa-pie-chart', '<input type="text" id="node-input-journalMaxMb" style="width:80px"> MB', cls) +
      row(type, 'journalFsync', 'fa-floppy-o', '<select id="node-input-journalFsync" style="width:70%">' +
        '<option value="always" data-i18n="' + type + '.journalFsync.always"></option>' +
        '<option value="never" data-i18n="' + type + '.journalFsync.never"></option></select>', cls) +
      row(type, 'ackTimeoutSec', 'fa-repeat', '<input type="text" id="node-input-ackTimeoutSec" style="width:80px"> s', cls);
  }

  /** The batch output rows of `type`'s dialog: size, and the longest a record waits. */
  function batchRowsHtml(type) {
    return row(type, 'batchSize', 'fa-cubes', '<input type="text" id="node-input-batchSize" style="width:80px"> <span data-i18n="' + type + '.batch.records"></span>') +
      row(type, 'batchMs', 'fa-hourglass-half', '<input type="text" id="node-input-batchMs" style="width:80px"> ms');
  }

  /** Every row of the source layer, as addSourceRows puts them in the template. */
  function sourceRowsHtml(type) {
    return journalRowsHtml(type) + batchRowsHtml(type);
  }

  /** Puts the source layer's rows in `type`'s dialog template, where its mark stands. */
  function addSourceRows(type, tries) {
    if (typeof document === 'undefined') return;
    var el = document.querySelector('script[data-template-name="' + type + '"]');
    if (!el) {
      // The template follows the script in the node's .html: wait (a little) until it is in the page.
      if ((tries || 0) < 100) setTimeout(function () { addSourceRows(type, (tries || 0) + 1); }, 10);
      return;
    }
    var text = el.textContent;
    if (text.indexOf(SOURCE_ROWS_MARK) >= 0) el.textContent = text.replace(SOURCE_ROWS_MARK, sourceRowsHtml(type));
  }

  /** The source layer's part of oneditprepare: the journal on for an older flow, its rows shown with it. */
  function prepareSourceRows(node, type) {
    // A flow saved before the journal existed has it on.
    if (node.journal === undefined) $('#node-input-journal').prop('checked', true);
    $('#node-input-journal').on('change', function () { $('.' + type + '-journal-row').toggle($(this).is(':checked')); }).trigger('change');
  }

  window.cdrflowEditor = {
    sourceDefaults: sourceDefaults, sourceRowsHtml: sourceRowsHtml, addSourceRows: addSourceRows, prepareSourceRows: prepareSourceRows,
    SOURCE_ROWS_MARK: SOURCE_ROWS_MARK,
    showAbsentDefaults: showAbsentDefaults,
    blank: blank, isPort: isPort, port: port, optionalInt: optionalInt, optionalNumber: optionalNumber, oneOf: oneOf,
    validAllowList: validAllowList, rule: rule, text: text, say: say, current: current, labelled: labelled,
    catalog: catalog, timeZone: timeZone, prefixList: prefixList,
    rowList: rowList, saveRowList: saveRowList, textEditor: textEditor, closeTextEditor: closeTextEditor
  };
})();
