'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { samplePath } = require('../../../support/samples');
const { compileTemplate, parseCsvLine, parseCsvText, CSV_TEMPLATES, FsFormatError } = require('../../../../nodes/lib/formats/freeswitch');

const SAMPLES = samplePath('freeswitch');

describe('formats/freeswitch/csv', () => {
  it('ships the vanilla templates exactly as cdr_csv.conf.xml has them', () => {
    const conf = fs.readFileSync(path.join(SAMPLES, 'configs/cdr_csv.conf.xml'), 'utf8');
    const names = [];
    for (const m of conf.matchAll(/<template name="(\w+)">(.*?)<\/template>/g)) {
      names.push(m[1]);
      assert.equal(CSV_TEMPLATES[m[1]], m[2], m[1]);
    }
    assert.deepEqual(names.sort(), ['asterisk', 'example', 'linksys', 'opencdrrate', 'snom', 'sql']);
  });

  it('reads the documentation Master.csv with the example template', () => {
    const { records, errors } = parseCsvText(fs.readFileSync(path.join(SAMPLES, 'Master.csv'), 'utf8'), compileTemplate('example'));
    assert.deepEqual(errors, []);
    assert.equal(records.length, 5);
    // Line 2 of the file, field by field.
    assert.deepEqual(records[1], {
      caller_id_name: '9008', caller_id_number: '9008', destination_number: '+34688886392', context: 'public',
      start_stamp: '2014-05-29 17:01:32', answer_stamp: '', end_stamp: '2014-05-29 17:01:32',
      duration: '0', billsec: '0', hangup_cause: 'NORMAL_CLEARING', uuid: 'e29ff0ae-e752-11e3-8bff-65b6c3cdac7d',
      bleg_uuid: '', accountcode: '', read_codec: '', write_codec: '',
    });
    assert.deepEqual(records.map((r) => r.destination_number), ['0034688886392', '+34688886392', '34688886392', '0034688886392', '00034688886392']);
  });

  it('tolerates quotes inside values (mod_cdr_csv does not escape them)', () => {
    const t = compileTemplate('example');
    const line = '"Bob "the boss" O"Neil","1001","1002","default","2024-01-01 10:00:00","2024-01-01 10:00:05","2024-01-01 10:01:05","65","60","NORMAL_CLEARING","u-1","u-2","acc,1","PCMA","PCMA"\r\n';
    const r = parseCsvLine(line, t);
    assert.equal(r.caller_id_name, 'Bob "the boss" O"Neil');
    assert.equal(r.accountcode, 'acc,1');
    assert.equal(r.write_codec, 'PCMA');
  });

  it('reads the sql, snom, default (space before accountcode) and fallback (trailing ;) templates', () => {
    const vals = ['n', '1', '2', 'ctx', 's', 'a', 'e', '3', '2', 'NORMAL_CLEARING', 'u', 'b'];
    const cols = vals.map((v) => `"${v}"`).join(',');
    assert.equal(parseCsvLine(`INSERT INTO cdr VALUES (${cols}, "ACC");`, compileTemplate('sql')).accountcode, 'ACC');
    assert.equal(parseCsvLine(`${cols}, "ACC"`, compileTemplate('default')).accountcode, 'ACC');
    const snom = parseCsvLine(`${cols}, "ACC","PCMU","PCMU","snom370","cc","rx","tx","/rec/1.wav"`, compileTemplate('snom'));
    assert.equal(snom.sofia_record_file, '/rec/1.wav');
    const ast = Array.from({ length: 18 }, (_, i) => `"f${i}"`).join(',') + ';';
    const fb = parseCsvLine(ast, compileTemplate('fallback'));
    assert.equal(fb.accountcode, 'f0');
    assert.equal(fb.userfield, 'f17');
    const ocr = compileTemplate('opencdrrate');
    assert.equal(ocr.fields[11], "regex('${original_caller_id_name}'|^.)");
  });

  it('reads a custom template, quoted or not', () => {
    const t = compileTemplate('${uuid},${caller_id_number},${billsec}|${hangup_cause}');
    assert.deepEqual(parseCsvLine('u9,+3460,42|USER_BUSY', t), { uuid: 'u9', caller_id_number: '+3460', billsec: '42', hangup_cause: 'USER_BUSY' });
  });

  it('rejects lines that do not fit the template and templates that cannot be read back', () => {
    const t = compileTemplate('example');
    for (const line of ['', 'garbage', '"a","b"', '"1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16"', '\u0000\u0001']) {
      assert.throws(() => parseCsvLine(line, t), FsFormatError, JSON.stringify(line));
    }
    assert.throws(() => compileTemplate('nosuchtemplate'), FsFormatError);
    assert.throws(() => compileTemplate('${a}${b}'), FsFormatError);
    assert.throws(() => compileTemplate('"${a"'), FsFormatError);
  });
});
