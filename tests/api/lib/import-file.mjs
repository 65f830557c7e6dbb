// A historical-complaint file as a bank's old system would export it (Chinese headers, its own
// numbers, years of closed and open complaints), for the import tests and bench/import.sh. Every
// hundredth row (from row 50 on) is broken in one of several ways; `bad` maps each broken row's
// file row number (header = row 1) to the kind of break, so a test can check the dry-run report
// names each one.

import crypto from 'node:crypto';

export const HEADERS = ['投诉编号', '受理时间', '渠道', '投诉人', '证件类型', '证件号码', '联系电话', '被投诉机构', '地区',
  '业务办理渠道', '业务类别', '投诉原因', '权益', '投诉内容', '诉求', '金额', '状态', '处理时限', '处理人', '处理结果',
  '答复内容', '答复时间', '办结时间'];

/** The mapping of these headers (fcms import field -> header). */
export const COLUMNS = {
  legacy_no: '投诉编号', received_at: '受理时间', source_channel: '渠道', complainant_name: '投诉人',
  complainant_id_type: '证件类型', complainant_id_no: '证件号码', complainant_phone: '联系电话',
  complained_org: '被投诉机构', region_code: '地区', business_channel_code: '业务办理渠道',
  business_type_code: '业务类别', cause_code: '投诉原因', rights: '权益', content: '投诉内容', demand: '诉求',
  amount_yuan: '金额', status: '状态', due_at: '处理时限', handler: '处理人', reply_result: '处理结果',
  reply_content: '答复内容', replied_at: '答复时间', closed_at: '办结时间',
};

const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
function residentId(i) {
  const body = `110105${1950 + (i % 50)}0${1 + (i % 9)}1${i % 10}${String(i % 1000).padStart(3, '0')}`;
  let s = 0;
  for (let k = 0; k < 17; k++) s += Number(body[k]) * W[k];
  return body + '10X98765432'[s % 11];
}
const pad = (n) => String(n).padStart(2, '0');
/** "YYYY-MM-DD HH:MM:SS" bank time for day offset d from 2021-01-01. */
function stamp(d, h = 9, m = 30) {
  const t = new Date(Date.UTC(2021, 0, 1) + d * 86400000);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(h)}:${pad(m)}:00`;
}

const BREAKS = ['bad_cause_code', 'missing_content', 'bad_date', 'bad_region', 'bad_status', 'formula', 'duplicate',
  'not_leaf_code', 'bad_id_no', 'closed_without_date'];

function csvCell(v) {
  const s = String(v ?? '');
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * rows: data rows; org: the complained institution's code; prefix: the legacy numbers' prefix;
 * handler: an fcms user name some rows name. Returns {rows: [[cells]], bad: Map(rowNo -> kind),
 * good: number of good rows, csv: Buffer (UTF-8 with BOM)}.
 */
export function historicalFile({ rows, org, prefix = 'OLD', handler = 'nobody', seed = 1, breakEvery = 100 }) {
  const out = [];
  const bad = new Map();
  let dupOf = null;
  for (let i = 0; i < rows; i++) {
    const rowNo = i + 2;
    const day = (i * 7 + seed) % 700;
    const closed = i % 5 !== 0;
    const r = [
      `${prefix}-${String(i + 1).padStart(7, '0')}`, stamp(day, 8 + (i % 9), i % 60), i % 3 ? '电话' : 'internet', `客户${i % 997}`,
      '居民身份证', residentId(i), `139${String(10000000 + i).slice(-8)}`, org, i % 2 ? '110105' : '310101',
      'A0101', 'B03011', i % 4 ? 'C07' : 'C01', 'R04', `历史投诉${i}：信用卡年费扣收未告知，要求说明依据。`, '退还年费',
      (i % 50) * 10 + 0.5, closed ? '已办结' : '处理中', stamp(day + 15, 23, 59), i % 10 === 1 ? handler : `旧系统员工${i % 40}`,
      closed ? '解释说明' : '', closed ? '已向客户解释收费依据。' : '', closed ? stamp(day + 3) : '', closed ? stamp(day + 5) : '',
    ];
    if (i >= 48 && (i - 48) % breakEvery === 0) {
      const kind = BREAKS[Math.floor((i - 48) / breakEvery) % BREAKS.length];
      bad.set(rowNo, kind);
      if (kind === 'bad_cause_code') r[11] = 'C9999';
      if (kind === 'missing_content') r[13] = '';
      if (kind === 'bad_date') r[1] = '2021-02-30 10:00';
      if (kind === 'bad_region') r[8] = '999999';
      if (kind === 'bad_status') r[16] = '不知道';
      if (kind === 'formula') r[13] = '=cmd|\' /C calc\'!A0';
      if (kind === 'not_leaf_code') r[9] = 'A01';
      if (kind === 'bad_id_no') r[5] = r[5].slice(0, 17) + (r[5][17] === '1' ? '2' : '1'); // wrong check character
      if (kind === 'closed_without_date') { r[16] = '已办结'; r[22] = ''; }
      if (kind === 'duplicate') {
        // this row and the one before share a number: both are refused
        r[0] = out[out.length - 1][0];
        dupOf = rowNo - 1;
        bad.set(dupOf, 'duplicate');
      }
    }
    out.push(r);
  }
  const lines = [HEADERS.map(csvCell).join(',')];
  for (const r of out) lines.push(r.map(csvCell).join(','));
  const csv = Buffer.concat([Buffer.from('\ufeff'), Buffer.from(lines.join('\r\n') + '\r\n')]);
  return { rows: out, bad, good: rows - bad.size, csv, sha256: crypto.createHash('sha256').update(csv).digest('hex') };
}
