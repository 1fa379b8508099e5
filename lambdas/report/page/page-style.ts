/**
 * The page's stylesheet: dense, calm, system fonts, no web fonts or images (the page works offline
 * and fetches nothing). States use colour and a shape or word; contrast of text on its background
 * is at least 4.5:1 (WCAG AA) for every colour here.
 */
export const PAGE_STYLE = `
:root {
  --fg: #1f2328; --muted: #59636e; --line: #d8dee4; --soft: #f6f8fa; --bg: #ffffff;
  --ok: #1a7f37; --ok-bg: #dafbe1; --late: #8a5a00; --late-bg: #fff1c5; --fail: #c4222f; --fail-bg: #ffebe9;
  --none: #6e7781; --none-bg: #eef1f4; --accent: #0b5cad;
  --day-ok: #2da44e; --day-fail: #cf222e; --day-skip: #bf8700; --day-missed: #57606a; --day-none: #d0d7de;
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 24px 40px; }
code, .key, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
h1 { font-size: 20px; margin: 0; font-weight: 600; }
h1 .stack { color: var(--muted); font-weight: 400; }
h2 { font-size: 14px; margin: 0 0 6px; }
h3 { font-size: 12px; margin: 0 0 6px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.meta { margin: 4px 0 0; color: var(--muted); display: flex; flex-wrap: wrap; gap: 4px 16px; }
.meta code { color: var(--fg); }
.muted { color: var(--muted); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.banner { background: var(--late-bg); color: var(--fg); border: 1px solid #d4a72c; padding: 8px 12px; border-radius: 6px; margin: 12px 0 0; }
button { font: inherit; color: inherit; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }

.summary { margin: 14px 0 10px; }
.verdict { margin: 0 0 8px; font-size: 15px; font-weight: 600; }
.verdict-attention { color: var(--fail); }
.verdict-ok { color: var(--ok); }
.tiles { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 8px; }
.tile { display: flex; flex-direction: column; align-items: flex-start; min-width: 118px; padding: 7px 12px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); text-align: left; }
.tile-state { cursor: pointer; border-left-width: 4px; }
.tile-state:hover { background: var(--soft); }
.tile-state[aria-pressed="true"] { background: var(--soft); box-shadow: inset 0 0 0 1px var(--fg); }
.tile-state.zero { opacity: .7; }
.tile-value { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; display: flex; align-items: baseline; gap: 6px; }
.tile-label { color: var(--muted); font-size: 12px; }
.tile-sub { color: var(--muted); font-size: 11px; }
.tile-state.state-on-time { border-left-color: var(--ok); } .tile-state.state-on-time .icon { color: var(--ok); }
.tile-state.state-late { border-left-color: #d4a72c; } .tile-state.state-late .icon { color: var(--late); }
.tile-state.state-failing { border-left-color: var(--fail); } .tile-state.state-failing .icon { color: var(--fail); }
.tile-state.state-missing { border-left-color: var(--fail); } .tile-state.state-missing .icon { color: var(--fail); }
.tile-state.state-unscheduled { border-left-color: var(--none); } .tile-state.state-unscheduled .icon { color: var(--none); }
.facts .tile { background: var(--soft); }
.storage { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; color: var(--muted); font-size: 12px; }
.storage-title { font-weight: 600; color: var(--fg); }
.storage-bar { display: flex; width: 260px; height: 10px; border-radius: 3px; overflow: hidden; background: var(--none-bg); }
.storage-bar .seg { min-width: 2px; }
.storage-legend { display: flex; gap: 12px; flex-wrap: wrap; }
.storage-key { display: inline-flex; align-items: center; gap: 4px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; }
.seg.tier-standard, .swatch.tier-standard { background: #54aeff; }
.seg.tier-standard_ia, .swatch.tier-standard_ia, .seg.tier-onezone_ia, .swatch.tier-onezone_ia, .seg.tier-intelligent_tiering, .swatch.tier-intelligent_tiering { background: #218bff; }
.seg.tier-glacier_ir, .swatch.tier-glacier_ir { background: #8250df; }
.seg.tier-glacier, .swatch.tier-glacier { background: #5e3cbf; }
.seg.tier-deep_archive, .swatch.tier-deep_archive { background: #2e1a72; }

.controls { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 10px 14px; padding: 10px 0; border-top: 1px solid var(--line); }
.control { display: flex; flex-direction: column; gap: 2px; font-size: 12px; color: var(--muted); }
.control.check { flex-direction: row; align-items: center; gap: 6px; padding-bottom: 5px; color: var(--fg); }
input[type=search], select { font: inherit; color: var(--fg); padding: 4px 6px; border: 1px solid #afb8c1; border-radius: 5px; background: var(--bg); }
input[type=search] { width: 200px; }
.reset { padding: 4px 10px; border: 1px solid #afb8c1; border-radius: 5px; background: var(--soft); cursor: pointer; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: center; margin: 0 0 6px; color: var(--muted); font-size: 12px; }
.legend-title { color: var(--fg); }
.legend-item { display: inline-flex; align-items: center; gap: 3px; }
.result-count { margin: 4px 0 6px; color: var(--muted); }

.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table.devices { border-collapse: collapse; width: 100%; min-width: 1020px; }
.devices th { position: sticky; top: 0; background: var(--soft); border-bottom: 1px solid var(--line); text-align: left; font-weight: 600; font-size: 12px; padding: 0; z-index: 1; white-space: nowrap; }
.devices th .sort { all: unset; display: flex; gap: 4px; align-items: center; padding: 6px 8px; cursor: pointer; width: 100%; box-sizing: border-box; }
.devices th .sort:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
.sort-mark { color: var(--muted); font-size: 10px; }
th[aria-sort] .sort-mark { color: var(--fg); }
.devices td { padding: 4px 8px; border-bottom: 1px solid #eaeef2; vertical-align: middle; }
.devices tr.row:hover td { background: #fafbfc; }
.sub { display: block; color: var(--muted); font-size: 11px; }
.tag { display: inline-block; margin-left: 6px; padding: 0 5px; border-radius: 8px; background: var(--late-bg); color: var(--late); font-size: 10px; }

.badge { display: inline-flex; align-items: center; gap: 5px; padding: 1px 8px 1px 6px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; border: 1px solid transparent; }
.badge .icon { font-size: 11px; width: 12px; text-align: center; }
.badge.state-on-time { color: var(--ok); background: var(--ok-bg); }
.badge.state-late { color: var(--late); background: var(--late-bg); border-color: #e6c75f; }
.badge.state-failing { color: #fff; background: var(--fail); }
.badge.state-missing { color: var(--fail); background: var(--fail-bg); border-color: #f5a8a8; }
.badge.state-unscheduled { color: var(--none); background: var(--none-bg); }

.c-state { width: 140px; }
.c-device { white-space: nowrap; }
.device-id { all: unset; cursor: pointer; font: 600 13px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; display: inline-flex; gap: 4px; }
.device-id:hover { color: var(--accent); text-decoration: underline; }
.device-id:focus-visible { outline: 2px solid var(--accent); }
.chev { color: var(--muted); width: 10px; }
.age { display: block; white-space: nowrap; }
.age-value { font-weight: 600; font-variant-numeric: tabular-nums; }
.age-time { margin-left: 6px; color: var(--muted); font-size: 11px; font-variant-numeric: tabular-nums; }
.age.none { color: var(--fail); font-weight: 600; }
.late-by { color: var(--late); font-weight: 600; }
.fail-count { color: var(--fail); }
svg.strip { display: block; }
.day-succeeded { fill: var(--day-ok); } .day-failed { fill: var(--day-fail); } .day-skipped { fill: var(--day-skip); }
.day-missed { fill: var(--day-missed); } .day-none { fill: var(--day-none); }
.size { display: flex; align-items: center; gap: 8px; white-space: nowrap; }
.spark-line { fill: none; stroke: #57606a; stroke-width: 1.2; }
.spark-end { fill: #57606a; } .spark-end.drop { fill: var(--fail); }
.spark-drop { fill: var(--fail); }
.size-text { font-variant-numeric: tabular-nums; }
.drop-flag { display: inline-block; margin-left: 6px; color: var(--fail); font-weight: 600; font-size: 11px; }
.tiers { font-size: 12px; display: block; max-width: 190px; }
.tier { white-space: nowrap; }
.sep { color: var(--muted); }
.restore { white-space: nowrap; font-variant-numeric: tabular-nums; }
.c-restore .muted, .c-storage .muted { white-space: nowrap; }
.restore .icon { display: inline-block; width: 14px; font-weight: 700; }
.restore-ok .icon { color: var(--ok); } .restore-warn .icon { color: var(--late); } .restore-failed { color: var(--fail); }

tr.details > td { background: var(--soft); padding: 10px 12px 12px 28px; }
.detail-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 12px 24px; }
.detail p { margin: 0 0 6px; }
.detail dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0 0 6px; }
.detail dt { color: var(--muted); }
.detail dd { margin: 0; overflow-wrap: anywhere; }
.detail .cause { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg); border: 1px solid var(--line); border-left: 3px solid var(--fail); padding: 6px 8px; margin: 0 0 6px; max-height: 160px; overflow: auto; }
table.copies { border-collapse: collapse; font-size: 12px; }
table.copies th, table.copies td { text-align: left; padding: 1px 10px 1px 0; font-variant-numeric: tabular-nums; }
table.copies th { color: var(--muted); font-weight: 600; }

.pager { display: flex; gap: 6px; align-items: center; margin: 10px 0; }
.page { padding: 4px 10px; border: 1px solid #afb8c1; border-radius: 5px; background: var(--bg); cursor: pointer; }
.page[disabled] { opacity: .45; cursor: default; }
.page-of { color: var(--muted); padding: 0 6px; }
.notes { margin-top: 20px; border-top: 1px solid var(--line); padding-top: 10px; color: var(--muted); font-size: 12px; max-width: 980px; }
.notes ul { margin: 0 0 8px; padding-left: 18px; }
.notes strong, .notes em { color: var(--fg); }
.tooltip { position: absolute; z-index: 5; pointer-events: none; background: #1f2328; color: #fff; padding: 3px 7px; border-radius: 4px; font-size: 12px; white-space: nowrap; }
@media print { .controls, .pager, .tooltip { display: none; } .devices th { position: static; } }
`;
