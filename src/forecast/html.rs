//! forecast.html: one self-contained page (inline CSS and SVG, no external
//! URL), in Japanese: the notices per month as a bar chart split by kind,
//! and the table of forecast.csv.

use chrono::Datelike;

use super::Forecast;

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page.
pub(super) fn page(f: &Forecast, municipality: &str) -> String {
    let title = format!("{} 有効期限 通知見込み", esc(municipality));
    let mut s = String::new();
    s.push_str("<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n");
    s.push_str(&format!("<title>{title}</title>\n"));
    s.push_str(
        "<style>\nbody{font-family:sans-serif;margin:2em;color:#222}\n\
         table{border-collapse:collapse;margin-top:1em}\n\
         th,td{border:1px solid #999;padding:.3em .7em;text-align:right}\n\
         th{background:#eee}\ntd:first-child,th:first-child{text-align:left}\n\
         .card{fill:#2b6cb0}.cert{fill:#dd6b20}\n.legend span{display:inline-block;width:1em;height:1em;margin:0 .3em 0 1em;vertical-align:middle}\n\
         </style>\n</head>\n<body>\n",
    );
    s.push_str(&format!("<h1>{title}</h1>\n"));
    s.push_str(&format!(
        "<p>{} から {} か月。住民 {} 人（読み込み {} 行、不備 {} 行）。有効期限の{}か月前に通知します。</p>\n",
        f.from,
        f.months.len(),
        f.residents,
        f.rows_read,
        f.rejected,
        f.lead_months
    ));
    s.push_str(&cap_line(f));
    s.push_str(&chart(f));
    s.push_str(
        "<p class=\"legend\"><span style=\"background:#2b6cb0\"></span>カードの通知<span style=\"background:#dd6b20\"></span>電子証明書・在留期間・特定在留カードの通知</p>\n",
    );
    s.push_str("<table>\n<tr><th>月</th><th>カード</th><th>利用者証明用</th><th>署名用</th><th>通知</th><th>うちカード</th><th>うち電子証明書</th><th>うち在留期間</th><th>うち特定在留カード</th><th>発送（計画）</th><th>繰延べ</th><th>1晩の最多</th><th>期限切れ・遅延</th></tr>\n");
    for (m, c) in f.months.iter().zip(&f.counts) {
        s.push_str(&format!(
            "<tr><td>{}年{}月</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            m.year(),
            m.month(),
            c.items[0],
            c.items[1],
            c.items[2],
            c.notices.iter().sum::<u64>(),
            c.notices[0],
            c.notices[1],
            c.notices[2],
            c.notices[3],
            c.printed,
            c.deferred,
            c.busiest_night,
            c.late
        ));
    }
    s.push_str("</table>\n<p>カード・利用者証明用・署名用：その月に更新の時期に入る件数。通知：その月に時期に入る通知書の数（同じ日に時期に入る項目は1通にまとめます）。発送（計画）：1晩の上限を守ってその月に印刷する数。繰延べ：その月に時期に入り、翌晩以降に回る数。期限切れ・遅延：最終の安全な晩より後に印刷されるか、印刷されずに期限を迎える数（常に0であるべき値）。</p>\n</body>\n</html>\n");
    s
}

/// The nightly cap in words.
fn cap_line(f: &Forecast) -> String {
    match f.max_pieces {
        None => "<p>1晩の上限なし：時期に入った晩に印刷します。</p>\n".to_string(),
        Some(cap) => format!(
            "<p>1晩の上限 {cap} 通（有効期限の近い順）。期限まで{}日以内の方は上限を超えても印刷します。予測期間の終わりに待っている通知：{} 通。</p>\n",
            f.min_notice_days, f.waiting_at_end
        ),
    }
}

/// The notices per month as stacked bars (card below, certificate above).
fn chart(f: &Forecast) -> String {
    let (w, h, left, bottom) = (760.0f64, 260.0f64, 50.0f64, 30.0f64);
    let max = f
        .counts
        .iter()
        .map(|c| c.notices.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = f.counts.len().max(1) as f64;
    let slot = (w - left) / n;
    let scale = (h - bottom - 10.0) / max;
    let mut s =
        format!("<svg width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"月別の通知数\">\n");
    s.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{y}\" x2=\"{w}\" y2=\"{y}\" stroke=\"#333\"/>\n",
        y = h - bottom
    ));
    s.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text>\n",
        left - 4.0,
        h - bottom - max * scale + 4.0,
        max as u64
    ));
    for (i, (m, c)) in f.months.iter().zip(&f.counts).enumerate() {
        let x = left + i as f64 * slot + slot * 0.15;
        let bw = slot * 0.7;
        let card = c.notices[0] as f64 * scale;
        let cert = (c.notices[1] + c.notices[2] + c.notices[3]) as f64 * scale;
        let base = h - bottom;
        s.push_str(&format!(
            "<rect class=\"card\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{card:.1}\"/>\n",
            base - card
        ));
        s.push_str(&format!(
            "<rect class=\"cert\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{cert:.1}\"/>\n",
            base - card - cert
        ));
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}/{}</text>\n",
            x + bw / 2.0,
            h - 12.0,
            m.year() % 100,
            m.month()
        ));
    }
    s.push_str("</svg>\n");
    s
}
