// Chart tooltips render HTML (ECharts' function formatters): names that come from the data —
// dictionary entries, institutions, report rows — must be escaped, or a dictionary entry named
// <img src=x onerror=…> runs as markup on 首页 and the 反映渠道 report (issue 11, L3; the CSP
// stopped the script, the markup still rendered). Exercises the real option builders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pie, timeLine, escapeHtml } from '../../web/src/components/reports/chartOptions.js';

const EVIL = '<img src=x onerror="alert(1)">&\'';

test('pie tooltip escapes the slice name', () => {
  const { option } = pie([{ code: 'x', name: EVIL, count: 3, share: 1 }]);
  const html = option.tooltip.formatter({ name: EVIL, value: 3, percent: 100 });
  assert.ok(!html.includes('<img'), html);
  assert.ok(html.includes('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;'), html);
});

test('time tooltip escapes the bucket and series names', () => {
  const rows = [{ name: EVIL, from: '2026-01-01', to: '2026-01-31', count: 1, closed: 1 }];
  const { option } = timeLine(rows);
  const html = option.tooltip.formatter([{ dataIndex: 0, seriesName: EVIL, value: 1, marker: '' }]);
  assert.ok(!html.includes('<img'), html);
});

test('escapeHtml leaves plain Chinese text alone', () => {
  assert.equal(escapeHtml('广东省分行（本级）'), '广东省分行（本级）');
  assert.equal(escapeHtml(null), '');
});
