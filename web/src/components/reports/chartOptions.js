// ECharts options of the report pages and the dashboard. Each builder returns { option, items }:
// `items[dataIndex]` is the report row behind a bar, slice or point, for the drill-down.
import { fmtCount, fmtGrowth, fmtRate } from './reportFormat.js'

export const COLORS = ['#1d4380', '#409eff', '#67c23a', '#e6a23c', '#f56c6c', '#909399', '#36cfc9', '#9254de',
  '#fadb14', '#ff7a45', '#5cdbd3', '#b37feb']

// Tooltip formatters return HTML: every name from the data (dictionary entries, institutions) is
// escaped, or a name like <img onerror=…> would render as markup.
const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const escapeHtml = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c])
const shorten = (s, n) => (s && s.length > n ? s.slice(0, n) + '…' : s || '')
const rowName = (r) => (r.self ? '（本级）' : r.name || r.code || '（未填）')
// In a chart a "（本级）" row is named after its parent: "广东省分行（本级）".
const barName = (r, rows) => (r.self ? ((rows.find((p) => p.code === r.parent) || {}).name || '') + '（本级）' : rowName(r))

// Bars of the top rows of a tree report (or of a flat report's rows). Institutions have one top
// row (the subtree root): its children are the bars then. Long names (codes, institutions) go
// horizontal, largest first.
export function treeBars(rows, { vertical = false, max = 15 } = {}) {
  let top = rows.filter((r) => (r.level || 1) === 1)
  if (top.length === 1 && top[0].has_children) {
    const parent = top[0].code
    top = rows.filter((r) => r.parent === parent && r.level === 2)
  }
  top = top.filter((r) => r.count > 0).sort((a, b) => b.count - a.count)
  if (!vertical) top = top.slice(0, max).reverse()
  const names = top.map((r) => barName(r, rows))
  const option = {
    color: COLORS,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: fmtCount },
    grid: vertical ? { left: 50, right: 20, top: 20, bottom: 70 } : { left: 10, right: 60, top: 10, bottom: 20, containLabel: true },
    series: [{
      type: 'bar', name: '投诉量', data: top.map((r) => r.count), barMaxWidth: 28, cursor: 'pointer',
      label: { show: true, position: vertical ? 'top' : 'right', fontSize: 11 },
      itemStyle: { color: '#1d4380', borderRadius: vertical ? [3, 3, 0, 0] : [0, 3, 3, 0] },
    }],
  }
  const cat = { type: 'category', data: names, axisTick: { show: false } }
  const val = { type: 'value', splitLine: { lineStyle: { type: 'dashed' } } }
  if (vertical) {
    option.xAxis = { ...cat, axisLabel: { rotate: 40, interval: 0, fontSize: 11 } }
    option.yAxis = val
  } else {
    option.yAxis = { ...cat, axisLabel: { fontSize: 12, formatter: (s) => shorten(s, 16) } }
    option.xAxis = val
  }
  return { option, items: top, height: vertical ? 320 : Math.max(200, top.length * 22 + 40) }
}

// Pie of a flat report (zero rows left out).
// Without `labels` (small cards) the legend and the tooltip name the slices.
export function pie(rows, { radius = ['38%', '66%'], legend = true, labels = true } = {}) {
  const items = rows.filter((r) => r.count > 0)
  const option = {
    color: COLORS,
    tooltip: { trigger: 'item', formatter: (p) => `${escapeHtml(p.name)}<br/>${fmtCount(p.value)} 件（${p.percent}%）` },
    legend: legend ? { type: 'scroll', orient: 'vertical', right: 10, top: 'middle', itemWidth: 12, itemHeight: 12,
      formatter: (name) => {
        const r = items.find((x) => rowName(x) === name)
        return shorten(name, labels ? 14 : 10) + (r && r.share !== undefined && !labels ? `  ${fmtRate(r.share)}` : '')
      } } : undefined,
    series: [{
      type: 'pie', radius, center: legend ? [labels ? '36%' : '30%', '52%'] : ['50%', '52%'], avoidLabelOverlap: true,
      cursor: 'pointer', minShowLabelAngle: 6,
      label: labels ? { formatter: (p) => `${shorten(p.name, 8)}\n${p.percent}%`, fontSize: 11 } : { show: false },
      labelLine: { show: labels },
      data: items.map((r) => ({ name: rowName(r), value: r.count })),
    }],
  }
  return { option, items, height: 300 }
}

// Time buckets: count bars and closed line; with `compare`, the previous period's count and
// the growth rate on a second (percent) axis.
export function timeLine(rows, { compare = false, previousLabel = '上期' } = {}) {
  const names = rows.map((r) => r.name)
  const series = [
    { type: 'bar', name: '投诉量', data: rows.map((r) => r.count), barMaxWidth: 26, cursor: 'pointer', itemStyle: { color: '#1d4380' } },
  ]
  if (compare) {
    series.push({ type: 'bar', name: previousLabel + '投诉量', data: rows.map((r) => r.previous_count), barMaxWidth: 26, itemStyle: { color: '#a0cfff' } })
    series.push({
      type: 'line', name: '增长率', yAxisIndex: 1, smooth: 0.3, smoothMonotone: 'x', connectNulls: false, symbolSize: 6,
      data: rows.map((r) => (r.growth_rate === null || r.growth_rate === undefined ? null : Math.round(r.growth_rate * 1000) / 10)),
      itemStyle: { color: '#e6a23c' },
    })
  } else {
    series.push({ type: 'line', name: '已办结', data: rows.map((r) => r.closed), smooth: 0.3, smoothMonotone: 'x', symbolSize: 5, itemStyle: { color: '#67c23a' } })
  }
  const option = {
    tooltip: {
      trigger: 'axis',
      formatter: (ps) => {
        const r = rows[ps[0].dataIndex] || {}
        let s = `${escapeHtml(r.name)}（${r.from} 至 ${r.to}）`
        for (const p of ps) {
          const v = p.seriesName === '增长率' ? fmtGrowth(r.growth_rate) : fmtCount(p.value)
          s += `<br/>${p.marker}${escapeHtml(p.seriesName)}：${v}`
        }
        if (compare) s += `<br/>${previousLabel}：${r.previous_from} 至 ${r.previous_to}`
        return s
      },
    },
    legend: { top: 0 },
    grid: { left: 50, right: compare ? 60 : 20, top: 36, bottom: names.length > 14 ? 60 : 30 },
    xAxis: { type: 'category', data: names, axisLabel: { fontSize: 11, rotate: names.length > 14 ? 40 : 0 } },
    yAxis: [
      { type: 'value', name: '件', splitLine: { lineStyle: { type: 'dashed' } } },
      ...(compare ? [{ type: 'value', name: '增长率', axisLabel: { formatter: '{value}%' }, splitLine: { show: false } }] : []),
    ],
    dataZoom: names.length > 40 ? [{ type: 'slider', height: 16, bottom: 4 }] : undefined,
    series,
  }
  return { option, items: rows, height: 320 }
}

// Hour-of-day distribution (bars shaded by volume).
export function hourBars(hours) {
  const max = Math.max(1, ...hours.map((h) => h.count))
  const option = {
    tooltip: { trigger: 'axis', valueFormatter: fmtCount },
    grid: { left: 50, right: 20, top: 20, bottom: 30 },
    xAxis: { type: 'category', data: hours.map((h) => h.name), axisLabel: { fontSize: 11 } },
    yAxis: { type: 'value', splitLine: { lineStyle: { type: 'dashed' } } },
    series: [{
      type: 'bar', name: '投诉量', barMaxWidth: 22,
      data: hours.map((h) => ({
        value: h.count,
        itemStyle: { color: `rgba(29, 67, 128, ${(0.25 + 0.75 * h.count / max).toFixed(2)})`, borderRadius: [3, 3, 0, 0] },
      })),
    }],
  }
  return { option, items: hours, height: 260 }
}

// Dashboard trend: 30 days of received and closed.
export function trendLine(trend) {
  const option = {
    color: ['#1d4380', '#67c23a'],
    tooltip: { trigger: 'axis' },
    legend: { top: 0, right: 10 },
    grid: { left: 40, right: 16, top: 30, bottom: 24 },
    xAxis: { type: 'category', data: trend.map((t) => t.day.slice(5)), boundaryGap: false, axisLabel: { fontSize: 11 } },
    yAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { type: 'dashed' } } },
    series: [
      // Monotone smoothing: small daily counts must not swing below zero between points.
      { type: 'line', name: '新增投诉', data: trend.map((t) => t.count), smooth: 0.3, smoothMonotone: 'x', areaStyle: { opacity: 0.12 }, symbolSize: 5, cursor: 'pointer' },
      { type: 'line', name: '办结', data: trend.map((t) => t.closed), smooth: 0.3, smoothMonotone: 'x', symbolSize: 4 },
    ],
  }
  return { option, items: trend, height: 260 }
}

