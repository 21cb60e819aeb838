/**
 * mod_cdr_csv templates as FreeSWITCH ships them (conf/vanilla cdr_csv.conf.xml)
 * and as mod_cdr_csv.c builds them when none is configured (REFERENCE.md §3.1).
 */
const EXAMPLE_COLUMNS =
  '"${caller_id_name}","${caller_id_number}","${destination_number}","${context}","${start_stamp}","${answer_stamp}","${end_stamp}","${duration}","${billsec}","${hangup_cause}","${uuid}","${bleg_uuid}"';

const ASTERISK =
  '"${accountcode}","${caller_id_number}","${destination_number}","${context}","${caller_id}","${channel_name}","${bridge_channel}","${last_app}","${last_arg}","${start_stamp}","${answer_stamp}","${end_stamp}","${duration}","${billsec}","${hangup_cause}","${amaflags}","${uuid}","${userfield}"';

export const CSV_TEMPLATES: Readonly<Record<string, string>> = {
  example: `${EXAMPLE_COLUMNS},"\${accountcode}","\${read_codec}","\${write_codec}"`,
  sql: `INSERT INTO cdr VALUES (${EXAMPLE_COLUMNS}, "\${accountcode}");`,
  snom: `${EXAMPLE_COLUMNS}, "\${accountcode}","\${read_codec}","\${write_codec}","\${sip_user_agent}","\${call_clientcode}","\${sip_rtp_rxstat}","\${sip_rtp_txstat}","\${sofia_record_file}"`,
  linksys: `${EXAMPLE_COLUMNS},"\${accountcode}","\${read_codec}","\${write_codec}","\${sip_user_agent}","\${sip_p_rtp_stat}"`,
  asterisk: ASTERISK,
  opencdrrate:
    '"${uuid}","${signal_bond}","${direction}","${ani}","${destination_number}","${answer_stamp}","${end_stamp}","${billsec}","${accountcode}","${userfield}","${network_addr}","${regex(\'${original_caller_id_name}\'|^.)}","${sip_gateway_name}"',
  /** mod_cdr_csv with no default-template configured (13 columns, a space before accountcode). */
  default: `${EXAMPLE_COLUMNS}, "\${accountcode}"`,
  /** mod_cdr_csv when the configured template name does not exist: asterisk columns and a `;`. */
  fallback: `${ASTERISK};`,
};

export type CsvTemplateName = keyof typeof CSV_TEMPLATES;
