//! The monitor's HTML dashboard: one self-contained file (Plotly.js from the
//! `plotly` crate's offline bundle, no CDN) with the five dashboards of the
//! Python pipeline's notebook and readable tables. Every value from the data
//! is escaped: tables are built here with HTML escaping, and the report the
//! charts read is embedded as JSON that cannot close its `<script>` element.

use std::fmt::Write as _;

use super::report::Report;

/// One meaning per status in every chart and table.
pub const COLOURS: [(&str, &str); 4] = [
    ("PASSED", "#2e7d32"),
    ("FAILED", "#c62828"),
    ("ERROR", "#6a1b9a"),
    ("SKIPPED_NO_CONFIG", "#757575"),
];

/// Plotly.js, deflated by build.rs from the `plotly` crate's offline bundle.
static PLOTLY_JS_DEFLATED: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/plotly.min.js.deflate"));

fn plotly_js() -> String {
    use std::io::Read;
    let mut js = String::with_capacity(5 << 20);
    // The bytes were compressed from a &str by our own build script.
    if let Err(e) = flate2::read::DeflateDecoder::new(PLOTLY_JS_DEFLATED).read_to_string(&mut js) {
        tracing::error!(
            "the embedded Plotly.js is damaged ({e}); the dashboard's charts will not draw"
        );
    }
    js
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON safe inside `<script type="application/json">`.
fn script_json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn table(out: &mut String, id: &str, title: &str, head: &[&str], rows: Vec<Vec<String>>) {
    let _ = write!(
        out,
        "<section class=\"tbl\" id=\"{id}\"><h3>{}</h3>",
        escape_html(title)
    );
    if rows.is_empty() {
        out.push_str("<p class=\"empty\">Nothing to show.</p></section>");
        return;
    }
    out.push_str("<div class=\"scroll\"><table><thead><tr>");
    for h in head {
        let _ = write!(out, "<th>{}</th>", escape_html(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            let class = COLOURS
                .iter()
                .find(|(s, _)| *s == c)
                .map(|(s, _)| format!(" class=\"st-{}\"", s.to_lowercase()))
                .unwrap_or_default();
            let _ = write!(out, "<td{class}>{}</td>", escape_html(&c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div></section>");
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.2}")).unwrap_or_else(|| "–".into())
}

fn tables(r: &Report) -> String {
    let mut out = String::new();
    let w = &r.watermarks;
    let mut rows = vec![vec!["files tracked".into(), w.files_tracked.to_string()]];
    for (k, v) in &w.by_status {
        rows.push(vec![format!("status {k}"), v.to_string()]);
    }
    rows.push(vec!["oldest".into(), w.oldest.clone().unwrap_or_default()]);
    rows.push(vec!["newest".into(), w.newest.clone().unwrap_or_default()]);
    table(
        &mut out,
        "t-watermarks",
        "Watermark status",
        &["", "value"],
        rows,
    );
    table(
        &mut out,
        "t-latest",
        "Latest result per file",
        &[
            "file", "table", "status", "score", "rows", "ms", "action", "when",
        ],
        r.latest_results
            .iter()
            .map(|f| {
                vec![
                    f.path.clone(),
                    f.table.clone(),
                    f.status.clone(),
                    opt(f.score),
                    f.rows.map(|n| n.to_string()).unwrap_or_default(),
                    f.duration_ms.to_string(),
                    f.action.clone(),
                    f.timestamp.clone(),
                ]
            })
            .collect(),
    );
    table(
        &mut out,
        "t-failures",
        "Failure details (GX counts and sample values)",
        &["file", "status", "score", "failed", "details"],
        r.failed_files
            .iter()
            .map(|f| {
                vec![
                    f.path.clone(),
                    f.status.clone(),
                    opt(f.score),
                    f.failed_expectations.to_string(),
                    f.reasons.join(" | "),
                ]
            })
            .collect(),
    );
    table(
        &mut out,
        "t-freshness",
        "Freshness",
        &["table", "state", "age (h)", "last processed", "files"],
        r.freshness
            .iter()
            .map(|f| {
                vec![
                    f.table.clone(),
                    f.state.clone(),
                    format!("{:.1}", f.age_hours),
                    f.last_processed.clone(),
                    f.files.to_string(),
                ]
            })
            .collect(),
    );
    table(
        &mut out,
        "t-daily",
        "Daily trends",
        &[
            "date",
            "validations",
            "passed",
            "failed",
            "errors",
            "pass rate %",
            "mean score",
        ],
        r.daily_trends
            .iter()
            .map(|d| {
                vec![
                    d.date.clone(),
                    d.validations.to_string(),
                    d.passed.to_string(),
                    d.failed.to_string(),
                    d.errors.to_string(),
                    opt(d.pass_rate),
                    opt(d.average_score),
                ]
            })
            .collect(),
    );
    out
}

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#c9cfdb;font-size:13px}
nav{padding:8px 24px;background:#fff;border-bottom:1px solid #dde1e8;position:sticky;top:0;z-index:5}nav a{margin-right:14px;color:#2458b3;text-decoration:none;font-size:14px}
main{padding:16px 24px}h2{font-size:17px;margin:22px 0 8px}h3{font-size:15px;margin:16px 0 6px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:14px}
.chart{background:#fff;border:1px solid #dde1e8;border-radius:6px;height:360px}
.legend span{display:inline-block;margin-right:14px;font-size:13px}.legend i{display:inline-block;width:11px;height:11px;margin-right:5px;border-radius:2px;vertical-align:-1px}
.scroll{max-height:420px;overflow:auto;background:#fff;border:1px solid #dde1e8;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:5px 8px;border-bottom:1px solid #eef0f4;text-align:left;vertical-align:top}th{background:#f0f2f6;position:sticky;top:0}
td.st-passed{color:#2e7d32;font-weight:600}td.st-failed{color:#c62828;font-weight:600}td.st-error{color:#6a1b9a;font-weight:600}
.empty{color:#757575}
"#;

/// The charts, drawn from the embedded report. Records how many were drawn
/// and any error, for the browser test.
const SCRIPT: &str = r#"
(function(){
var errors=[];
window.addEventListener('error',function(e){errors.push(String(e.message||e));});
var consoleError=console.error;console.error=function(){errors.push(Array.prototype.join.call(arguments,' '));consoleError.apply(console,arguments);};
var report=JSON.parse(document.getElementById('dq-report').textContent);
var C=JSON.parse(document.getElementById('dq-colours').textContent);
var cfg={responsive:true,displaylogo:false,scrollZoom:true,displayModeBar:'hover'};
var drawn=0;
function lay(title,extra){var l={title:{text:title,font:{size:15},x:0.02,xanchor:'left',y:0.97,yanchor:'top'},modebar:{orientation:'v'},margin:{t:52,l:60,r:40,b:60},paper_bgcolor:'#fff',plot_bgcolor:'#fff',font:{size:12}};for(var k in extra){l[k]=extra[k];}return l;}
function draw(id,data,layout){try{Plotly.newPlot(id,data,layout,cfg);drawn++;}catch(e){errors.push(id+': '+e);}}
var latest=report.latest_results||[];
var L=report.summary.latest;
var thr=100;
// 1. Main: gauges, status donut, score trend, score distribution.
function gauge(id,title,value){draw(id,[{type:'indicator',mode:'gauge+number',value:value==null?0:value,number:{suffix:'%',valueformat:'.1f'},gauge:{axis:{range:[0,100]},bar:{color:'#2458b3'},steps:[{range:[0,80],color:'#f4d6d6'},{range:[80,95],color:'#fbeccb'},{range:[95,100],color:'#d7ecd9'}]}}],lay(title,{margin:{t:60,l:30,r:30,b:20}}));}
gauge('g-pass','Pass rate (latest result per file)',L.pass_rate);
gauge('g-score','Mean score (latest result per file)',L.average_score);
var st=['PASSED','FAILED','ERROR','SKIPPED_NO_CONFIG'],sv=[L.passed,L.failed,L.errors,L.skipped_no_config];
var dl=[],dv=[];st.forEach(function(s,i){if(sv[i]>0){dl.push(s);dv.push(sv[i]);}});
draw('c-donut',[{type:'pie',hole:0.5,labels:dl,values:dv,marker:{colors:dl.map(function(s){return C[s];})},sort:false,textinfo:'value',textposition:'inside',hovertemplate:'%{label}: %{value} files<extra></extra>'}],lay('Files by status',{showlegend:true}));
var days=report.daily_trends||[];
draw('c-trend',[{type:'scatter',mode:'lines+markers',x:days.map(function(d){return d.date;}),y:days.map(function(d){return d.average_score;}),name:'mean score',line:{color:'#2458b3'}},{type:'scatter',mode:'lines+markers',x:days.map(function(d){return d.date;}),y:days.map(function(d){return d.pass_rate;}),name:'pass rate %',line:{color:'#2e7d32',dash:'dot'}}],lay('Score trend over time',{yaxis:{title:{text:'%'},range:[0,105]},xaxis:{type:'category'},legend:{orientation:'h',y:-0.2}}));
draw('c-dist',[{type:'histogram',x:latest.filter(function(f){return f.score!=null;}).map(function(f){return f.score;}),nbinsx:20,marker:{color:'#2458b3'}}],lay('Score distribution (latest)',{xaxis:{title:{text:'score'}},yaxis:{title:{text:'files'}}}));
// 2. File explorer: status -> health -> file.
function health(f){if(f.status==='ERROR'||f.score==null||f.score<80)return 'critical';if(f.status!=='PASSED'||f.score<thr)return 'warning';return 'healthy';}
var ids=[],labels=[],parents=[],values=[],colors=[];var seen={};
latest.forEach(function(f){var s=f.status,h=health(f),sid=s,hid=s+'/'+h;
 if(!seen[sid]){seen[sid]=1;ids.push(sid);labels.push(s);parents.push('');values.push(0);colors.push(C[s]||'#999');}
 if(!seen[hid]){seen[hid]=1;ids.push(hid);labels.push(h);parents.push(sid);values.push(0);colors.push(h==='critical'?'#c62828':h==='warning'?'#f9a825':'#66bb6a');}
 ids.push(hid+'/'+f.path);labels.push(f.file);parents.push(hid);values.push(1);colors.push(C[s]||'#999');});
draw('c-sunburst',[{type:'sunburst',ids:ids,labels:labels,parents:parents,values:values,branchvalues:'remainder',marker:{colors:colors},maxdepth:2}],lay('File explorer: status → health → file (click to drill down)',{margin:{t:52,l:10,r:10,b:10}}));
// 3. Failure heat map: expectation x column.
var cells=(report.failure_analysis.by_expectation_and_column||[]).map(function(c){var p=c.key.split('|');return {e:p[0],c:p.slice(1).join('|'),n:c.count};});
var ex=[],co=[];cells.forEach(function(x){if(ex.indexOf(x.e)<0)ex.push(x.e);if(co.indexOf(x.c)<0)co.push(x.c);});
var z=ex.map(function(e){return co.map(function(c){var h=cells.filter(function(x){return x.e===e&&x.c===c;})[0];return h?h.n:null;});});
draw('c-heat',[{type:'heatmap',x:co,y:ex,z:z,colorscale:'Reds',hovertemplate:'%{y}<br>column %{x}<br>%{z} failures<extra></extra>'}],lay('Failures: expectation × column',{margin:{t:52,l:300,r:20,b:120},xaxis:{automargin:true},yaxis:{automargin:true}}));
// 4. Processing timeline.
var tl=st.map(function(s){var fs=latest.filter(function(f){return f.status===s;});return {type:'scatter',mode:'markers',name:s,x:fs.map(function(f){return f.timestamp;}),y:fs.map(function(f){return f.table;}),text:fs.map(function(f){return f.path+' '+(f.score==null?'':f.score);}),hoverinfo:'text+x',marker:{color:C[s],size:9}};});
draw('c-timeline',tl,lay('Processing timeline',{xaxis:{type:'date'},yaxis:{automargin:true},margin:{t:52,l:180,r:20,b:60}}));
// 5. Performance: cumulative mean score and pass rate, files/min, rolling variability.
var recs=latest.slice().sort(function(a,b){return a.timestamp<b.timestamp?-1:1;});
var cs=0,cn=0,cp=0,cumS=[],cumP=[],xs=[];recs.forEach(function(f,i){if(f.score!=null){cs+=f.score;cn++;}if(f.status==='PASSED')cp++;cumS.push(cn?cs/cn:null);cumP.push(100*cp/(i+1));xs.push(f.timestamp);});
draw('c-cum',[{type:'scatter',mode:'lines',x:xs,y:cumS,name:'cumulative mean score',line:{color:'#2458b3'}},{type:'scatter',mode:'lines',x:xs,y:cumP,name:'cumulative pass rate %',line:{color:'#2e7d32'}}],lay('Cumulative mean score and pass rate',{xaxis:{type:'date'},yaxis:{range:[0,105]},legend:{orientation:'h',y:-0.25}}));
var runs=(report.runs||[]);
var perf=report.performance||{};
draw('c-fpm',[{type:'bar',x:runs.map(function(r){return r.run_id;}),y:runs.map(function(r){return r.files;}),marker:{color:'#2458b3'},name:'files'}],lay('Files per run'+(perf.files_per_minute?' (overall '+perf.files_per_minute.toFixed(1)+' files/min)':''),{xaxis:{automargin:true,tickangle:-30}}));
var win=10,roll=[];for(var i=0;i<recs.length;i++){var w=recs.slice(Math.max(0,i-win+1),i+1).filter(function(f){return f.score!=null;}).map(function(f){return f.score;});if(w.length<2){roll.push(null);continue;}var m=w.reduce(function(a,b){return a+b;},0)/w.length;roll.push(Math.sqrt(w.reduce(function(a,b){return a+(b-m)*(b-m);},0)/(w.length-1)));}
draw('c-roll',[{type:'scatter',mode:'lines',x:xs,y:roll,line:{color:'#f9a825'},name:'std dev'}],lay('Rolling score variability (last '+win+' files)',{xaxis:{type:'date'}}));
document.body.setAttribute('data-charts-drawn',String(drawn));
var rendered=Array.prototype.filter.call(document.querySelectorAll('.chart'),function(d){return d.querySelector('.main-svg');}).length;
document.body.setAttribute('data-charts-rendered',String(rendered));
document.body.setAttribute('data-errors',errors.join(' || '));
})();
"#;

/// The dashboard of a report, as one HTML document.
pub fn render(report: &Report) -> String {
    let colours: std::collections::BTreeMap<&str, &str> = COLOURS.into_iter().collect();
    let mut out = String::with_capacity(5 << 20);
    out.push_str("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    out.push_str("<title>aims-dq data quality dashboard</title><style>");
    out.push_str(STYLE);
    out.push_str("</style><script>");
    out.push_str(&plotly_js());
    out.push_str("</script></head><body>");
    let s = &report.summary;
    let _ = write!(
        out,
        "<header><h1>aims-dq data quality dashboard</h1><p>Generated {} · {} files (latest result each) · {} validations in history</p></header>",
        escape_html(&report.report_generated_at),
        s.latest.files,
        s.total_validations
    );
    out.push_str("<nav><a href=\"#main\">Overview</a><a href=\"#explorer\">File explorer</a><a href=\"#heat\">Failure heat map</a><a href=\"#timeline\">Timeline</a><a href=\"#perf\">Performance</a><a href=\"#tables\">Tables</a></nav><main>");
    out.push_str("<p class=\"legend\">");
    for (s, c) in COLOURS {
        let _ = write!(out, "<span><i style=\"background:{c}\"></i>{s}</span>");
    }
    out.push_str("</p>");
    out.push_str("<h2 id=\"main\">1. Overview</h2><div class=\"grid\"><div class=\"chart\" id=\"g-pass\"></div><div class=\"chart\" id=\"g-score\"></div><div class=\"chart\" id=\"c-donut\"></div><div class=\"chart\" id=\"c-trend\"></div><div class=\"chart\" id=\"c-dist\"></div></div>");
    out.push_str("<h2 id=\"explorer\">2. File explorer</h2><div class=\"chart\" style=\"height:560px\" id=\"c-sunburst\"></div>");
    out.push_str("<h2 id=\"heat\">3. Failure heat map</h2><div class=\"chart\" style=\"height:520px\" id=\"c-heat\"></div>");
    out.push_str("<h2 id=\"timeline\">4. Processing timeline</h2><div class=\"chart\" style=\"height:520px\" id=\"c-timeline\"></div>");
    out.push_str("<h2 id=\"perf\">5. Performance</h2><div class=\"grid\"><div class=\"chart\" id=\"c-cum\"></div><div class=\"chart\" id=\"c-fpm\"></div><div class=\"chart\" id=\"c-roll\"></div></div>");
    out.push_str("<h2 id=\"tables\">Tables</h2>");
    out.push_str(&tables(report));
    out.push_str("</main><script type=\"application/json\" id=\"dq-report\">");
    out.push_str(&script_json(report));
    out.push_str("</script><script type=\"application/json\" id=\"dq-colours\">");
    out.push_str(&script_json(&colours));
    out.push_str("</script><script>");
    out.push_str(SCRIPT);
    out.push_str("</script></body></html>\n");
    out
}

/// The number of charts `render` draws (for the browser test).
pub const CHARTS: usize = 11;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_cannot_close_the_script_or_inject_markup() {
        assert_eq!(
            escape_html("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        let j = script_json(&serde_json::json!({"c": "</script><script>alert(1)</script>"}));
        assert!(!j.contains("</script>") && !j.contains('<'), "{j}");
        let back: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(back["c"], "</script><script>alert(1)</script>");
    }
}
