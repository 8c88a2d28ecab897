/**
 * The widget's styles, scoped to its shadow root. `:host` declarations are !important because the
 * page's own important rules (`* { color: red !important }`) would otherwise win on the host
 * element, and everything inside sets its font and colours explicitly instead of inheriting them.
 */
export const CSS = `
:host{all:initial!important;display:block!important;position:static!important;visibility:visible!important;opacity:1!important;
--bg:#fff;--fg:#1c1b1f;--muted:#5f5b66;--line:#dedce3;--agent:#f1f0f5;--accent:#4338ca;--on-accent:#fff;--warn:#fff4e0;--warn-fg:#5c3a00;--focus:#1d4ed8}
:host([data-theme=dark]){--bg:#1d1c21;--fg:#f2f1f5;--muted:#b9b5c2;--line:#3a3841;--agent:#2b2a31;--accent:#a5b4fc;--on-accent:#16151a;--warn:#3d2e12;--warn-fg:#ffe2ad;--focus:#93c5fd}
@media (prefers-color-scheme:dark){:host(:not([data-theme=light])){--bg:#1d1c21;--fg:#f2f1f5;--muted:#b9b5c2;--line:#3a3841;--agent:#2b2a31;--accent:#a5b4fc;--on-accent:#16151a;--warn:#3d2e12;--warn-fg:#ffe2ad;--focus:#93c5fd}}
*,*::before,*::after{box-sizing:border-box;margin:0;padding:0;font:inherit;color:inherit;letter-spacing:normal;text-transform:none;text-align:left}
.root{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg)}
[hidden]{display:none!important}
button{display:inline-flex;align-items:center;justify-content:center;gap:6px;cursor:pointer;border:1px solid transparent;border-radius:8px;background:none;min-height:36px;padding:6px 12px;font-weight:600}
button:disabled{cursor:default;opacity:.55}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.bubble{position:fixed;z-index:2147483000;bottom:20px;right:20px;width:60px;height:60px;border-radius:50%;padding:0;background:var(--accent);color:var(--on-accent);box-shadow:0 6px 24px rgba(0,0,0,.25)}
:host([data-position=left]) .bubble{right:auto;left:20px}
.bubble svg{width:28px;height:28px;fill:currentColor}
.panel{position:fixed;z-index:2147483001;bottom:92px;right:20px;width:380px;height:min(600px,calc(100vh - 112px));display:flex;flex-direction:column;
background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.28);overflow:hidden}
:host([data-position=left]) .panel{right:auto;left:20px}
header{display:flex;align-items:center;gap:10px;padding:10px 10px 10px 14px;border-bottom:1px solid var(--line)}
header img{width:36px;height:36px;border-radius:50%;object-fit:cover;flex:none}
.heading{flex:1;min-width:0}
h2{font-size:16px;font-weight:700;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.tagline{font-size:13px;color:var(--muted);overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.icon{width:36px;padding:0;color:var(--fg)}
.icon svg{width:20px;height:20px;fill:currentColor}
.icon:hover{background:var(--agent)}
.log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:10px}
.msg{max-width:85%;display:flex;flex-direction:column;gap:3px}
.msg.user{align-self:flex-end}
.who{font-size:12px;color:var(--muted);display:flex;align-items:center;gap:6px}
.badge{font-size:11px;font-weight:700;border:1px solid var(--muted);border-radius:4px;padding:0 4px;line-height:16px}
.text{padding:8px 12px;border-radius:12px;background:var(--agent);white-space:pre-wrap;overflow-wrap:anywhere}
.user .text{background:var(--accent);color:var(--on-accent)}
.owner .text{border:1px solid var(--accent)}
.note{font-size:12px;color:var(--muted)}
.typing::after{content:"…";animation:blink 1s steps(2) infinite}
@keyframes blink{50%{opacity:.2}}
@media (prefers-reduced-motion:reduce){.typing::after{animation:none}}
.status{margin:0 14px 8px;padding:8px 12px;border-radius:8px;background:var(--warn);color:var(--warn-fg);font-size:14px;display:flex;gap:8px;align-items:center;justify-content:space-between}
.status:empty{display:none}
.status button{background:var(--bg);color:var(--fg);border-color:var(--line);min-height:32px}
.openers{display:flex;flex-wrap:wrap;gap:6px;padding:0 14px 8px}
.openers button{border-color:var(--line);border-radius:16px;font-weight:500;font-size:14px;color:var(--fg);background:var(--bg);text-align:left}
form{display:flex;gap:8px;padding:10px;border-top:1px solid var(--line);align-items:flex-end}
textarea{flex:1;min-width:0;resize:none;min-height:40px;max-height:120px;padding:9px 10px;border:1px solid var(--line);border-radius:8px;background:var(--bg);color:var(--fg);font:inherit}
.send{background:var(--accent);color:var(--on-accent);min-height:40px}
.stop{border-color:var(--line);color:var(--fg);min-height:40px}
.foot{font-size:11px;color:var(--muted);text-align:center;padding:0 10px 8px}
@media (max-width:480px){.panel,:host([data-position=left]) .panel{inset:0;width:100%;height:100%;border-radius:0;border:0}:host([data-open]) .bubble{display:none}}
`;
