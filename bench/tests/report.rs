//! The HTML report as a user gets it: `surveil run --out` and `surveil
//! report`, what they write, what they refuse, and whether a browser draws
//! the page.
//!
//! The browser test loads the page in headless Chromium with no driver:
//! a copy of the page gets a small script in its head that records every
//! error event (a script error, a resource that failed to load) and every
//! `console.error`, and after the load event measures each inline SVG (how
//! many shapes and text elements it holds, its drawn bounding box, whether
//! its text has a width, which needs a font). Chromium's `--dump-dom`
//! prints the DOM once the page has loaded, with the script's findings in
//! it, and `--enable-logging=stderr --v=0` prints every console message on
//! standard error, which the test also reads: the report has no script of
//! its own, so any console message at all is a failure. This needs nothing
//! but the `chromium` binary, and no port or protocol client that could
//! hang or change between releases. Where no Chromium is installed the
//! test prints why it is skipped, except under `CI=true`, where that is a
//! failure (`.ci/run` installs Debian's `chromium`).

#![allow(clippy::unwrap_used, reason = "helpers of a test fail it loudly on any error")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn surveil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_surveil")).args(args).output().expect("surveil starts")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs the small scenario with `--out` into a fresh directory.
fn small_report() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let run = surveil(&["run", "small", "--out", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", stderr(&run));
    (dir, out)
}

fn pngs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect();
    names.sort();
    names
}

#[test]
fn run_out_writes_the_document_the_page_and_its_pngs_and_report_redraws_them_alike() {
    let (dir, out) = small_report();
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let figures = page.matches("<figure>").count();
    assert_eq!(page.matches("<svg").count(), figures);
    // Two instruments, scores, delays, curves and volume by class.
    assert!(figures >= 6, "{figures} charts");
    assert_eq!(
        pngs(&out),
        [
            "delays.png",
            "market-btc-krw.png",
            "market-moca-krw.png",
            "pr-curves.png",
            "scores.png",
            "volume-by-class.png"
        ]
    );

    // The charts' delays and curves are the scorer's figures: the
    // percentiles of the delays are the table's, and each curve ends at
    // the run's own precision and recall.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    let score = |name: &serde_json::Value, kind: &serde_json::Value| {
        doc["detectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == *name && d["kind"] == *kind)
            .cloned()
            .unwrap()
    };
    for delays in doc["charts"]["delays"].as_array().unwrap() {
        let values: Vec<f64> =
            delays["delays_ms"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let scored = score(&delays["detector"], &delays["kind"]);
        assert_eq!(values.len() as u64, scored["detected"].as_u64().unwrap());
        let rank = |p: usize| values.get((p * values.len()).div_ceil(100).max(1) - 1).copied();
        assert_eq!(rank(50), scored["delay_p50_ms"].as_f64(), "{delays}");
        assert_eq!(rank(90), scored["delay_p90_ms"].as_f64(), "{delays}");
    }
    for curve in doc["charts"]["pr_curves"].as_array().unwrap() {
        let scored = score(&curve["detector"], &curve["kind"]);
        let last = curve["points"].as_array().unwrap().last().unwrap();
        assert_eq!(last["precision"], scored["precision"], "{curve}");
        assert_eq!(last["recall"], scored["recall"], "{curve}");
        assert_eq!(last["alerts"], scored["alerts"], "{curve}");
    }

    let again = dir.path().join("again");
    let report = surveil(&[
        "report",
        out.join("run.json").to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(report.status.success(), "{}", stderr(&report));
    assert_eq!(std::fs::read_to_string(again.join("report.html")).unwrap(), page);
    for png in pngs(&out) {
        assert_eq!(
            std::fs::read(out.join(&png)).unwrap(),
            std::fs::read(again.join(&png)).unwrap()
        );
    }
}

#[test]
fn report_refuses_a_malformed_document_naming_the_file_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("RUN.json");
    let run = surveil(&["run", "small", "--seed", "2", "--json"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let mut value: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    value["charts"]["interval_s"] = serde_json::json!("ten");
    std::fs::write(&doc, serde_json::to_string_pretty(&value).unwrap()).unwrap();

    let out = dir.path().join("out");
    let refused = surveil(&["report", doc.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let message = stderr(&refused);
    assert!(message.contains("RUN.json"), "{message}");
    assert!(message.contains("field `charts.interval_s`"), "{message}");
    assert!(!out.join("report.html").exists());

    value["surveil_version"] = serde_json::json!("0.0.1");
    std::fs::write(&doc, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    let refused = surveil(&["report", doc.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let message = stderr(&refused);
    assert!(message.contains("RUN.json") && message.contains("`surveil_version`"), "{message}");

    std::fs::write(&doc, "{\"surveil_version\": \"0.1.0\", \"scenario\": ").unwrap();
    let refused = surveil(&["report", doc.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("line 1"), "{}", stderr(&refused));
}

/// The script added to the head of a copy of the page; see the module
/// documentation.
const CHECK: &str = r#"<script>
(function () {
  var errors = [];
  window.addEventListener('error', function (e) {
    var what = e.message || (e.target && (e.target.src || e.target.href)) || String(e);
    errors.push('error: ' + what);
  }, true);
  var original = console.error;
  console.error = function () {
    errors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
    original.apply(console, arguments);
  };
  window.addEventListener('load', function () {
    var rows = [];
    var svgs = document.querySelectorAll('svg');
    for (var i = 0; i < svgs.length; i++) {
      var svg = svgs[i];
      var shapes = svg.querySelectorAll('path, polyline, polygon, line, rect, circle').length;
      var texts = svg.querySelectorAll('text');
      var widest = 0;
      for (var j = 0; j < texts.length; j++) {
        widest = Math.max(widest, texts[j].getComputedTextLength());
      }
      var box = svg.getBBox();
      rows.push([shapes, texts.length, Math.round(widest), Math.round(box.width),
                 Math.round(box.height)].join(':'));
    }
    var out = document.createElement('pre');
    out.id = 'render-check';
    out.textContent = 'svgs=' + svgs.length + ';charts=' + rows.join(',') +
      ';errors=' + errors.length + ';' + errors.join(' | ');
    document.body.appendChild(out);
  });
})();
</script>"#;

/// Where Chromium is, or why it is not.
fn chromium() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("SURVEIL_CHROMIUM") {
        return Ok(PathBuf::from(path));
    }
    let names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]) {
        for name in names {
            if dir.join(name).is_file() {
                return Ok(dir.join(name));
            }
        }
    }
    Err(format!(
        "no Chromium found (looked for {} on PATH and in /usr/bin; set SURVEIL_CHROMIUM to \
         its path)",
        names.join(", ")
    ))
}

/// What Chromium made of a page.
struct Rendered {
    /// The findings of the check script, or `None` when it left none.
    check: Option<String>,
    /// Console messages Chromium logged.
    console: Vec<String>,
}

/// Loads a copy of `page` with the check script in headless Chromium.
fn render(browser: &Path, page: &Path) -> Rendered {
    let html = std::fs::read_to_string(page).unwrap();
    let checked = page.with_file_name("checked.html");
    std::fs::write(&checked, html.replacen("<head>\n", &format!("<head>\n{CHECK}\n"), 1)).unwrap();
    let profile = tempfile::tempdir().unwrap();
    // Output goes to files, not pipes: the DOM is larger than a pipe's
    // buffer, and nothing reads a pipe while the browser runs.
    let logs = tempfile::tempdir().unwrap();
    let dom_path = logs.path().join("dom.html");
    let log_path = logs.path().join("stderr.log");

    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            // Let the load event and the check run before the DOM is
            // printed.
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", checked.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&dom_path).unwrap())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .expect("chromium starts");

    // A browser that hangs fails the test rather than the whole suite.
    #[allow(clippy::disallowed_methods, reason = "a timeout on a browser, not a result")]
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let dom = std::fs::read_to_string(&dom_path).unwrap();
    let check =
        dom.split("<pre id=\"render-check\">").nth(1).and_then(|s| s.split("</pre>").next());
    let console = std::fs::read_to_string(&log_path)
        .unwrap()
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect();
    Rendered { check: check.map(str::to_owned), console }
}

/// Parses the check's findings: the SVG count, one (shapes, texts, widest
/// text, width, height) per SVG, and the errors.
fn findings(check: &str) -> (usize, Vec<[u64; 5]>, String) {
    let mut parts = check.splitn(4, ';');
    let svgs = parts.next().and_then(|p| p.strip_prefix("svgs=")).unwrap().parse().unwrap();
    let charts = parts
        .next()
        .and_then(|p| p.strip_prefix("charts="))
        .unwrap()
        .split(',')
        .filter(|c| !c.is_empty())
        .map(|c| {
            let v: Vec<u64> = c.split(':').map(|x| x.parse().unwrap()).collect();
            [v[0], v[1], v[2], v[3], v[4]]
        })
        .collect();
    let errors = parts.collect::<Vec<_>>().join(";");
    (svgs, charts, errors)
}

#[test]
fn report_page_renders_in_headless_chromium_without_errors() {
    let browser = match chromium() {
        Ok(path) => path,
        Err(why) if std::env::var("CI").as_deref() != Ok("true") => {
            #[allow(clippy::print_stderr, reason = "a skipped test says why")]
            {
                eprintln!("skipped report_page_renders_in_headless_chromium: {why}");
            }
            return;
        }
        Err(why) => panic!("{why}; CI must install chromium"),
    };

    // The page with every chart: the run's, and the facts' two.
    let (dir, out) = small_report();
    let facts = surveil(&["facts", "small", "--json"]);
    assert!(facts.status.success(), "{}", stderr(&facts));
    let facts_path = dir.path().join("FACTS.json");
    std::fs::write(&facts_path, &facts.stdout).unwrap();
    let report = surveil(&[
        "report",
        out.join("run.json").to_str().unwrap(),
        "--facts",
        facts_path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(report.status.success(), "{}", stderr(&report));
    let page = out.join("report.html");
    let figures = std::fs::read_to_string(&page).unwrap().matches("<figure>").count();
    let rendered = render(&browser, &page);
    let check = rendered.check.expect("the check script left its findings in the DOM");
    let (svgs, charts, errors) = findings(&check);

    assert_eq!(errors, "errors=0;", "{check}");
    assert!(rendered.console.is_empty(), "console messages: {:?}", rendered.console);
    assert_eq!(svgs, figures, "{check}");
    // Two instruments, scores, delays, curves, volume by class, returns
    // and their autocorrelation.
    assert_eq!(svgs, 8, "{check}");
    for (i, [shapes, texts, widest, width, height]) in charts.iter().enumerate() {
        // A chart with axes, ticks and data has dozens of shapes; labels
        // with no width mean no font drew them.
        assert!(*shapes >= 20 && *texts >= 5, "chart {i} is nearly empty: {check}");
        assert!(*widest > 20, "chart {i} has no visible text: {check}");
        assert!(*width >= 400 && *height >= 300, "chart {i} drew too small: {check}");
    }

    // The check itself must see a broken page: a script error, a console
    // error and an image that is not there.
    let broken = out.join("broken.html");
    let html = std::fs::read_to_string(&page).unwrap().replacen(
        "</body>",
        "<img src=\"missing.png\"><script>console.error('deliberate'); nothing();</script></body>",
        1,
    );
    std::fs::write(&broken, html).unwrap();
    let rendered = render(&browser, &broken);
    let check = rendered.check.expect("the check script left its findings in the DOM");
    assert!(check.contains("errors=3;"), "{check}");
    assert!(!rendered.console.is_empty());
}

#[test]
fn report_with_facts_draws_the_return_distribution_and_autocorrelation() {
    let (dir, out) = small_report();
    let facts = surveil(&["facts", "small", "--json"]);
    assert!(facts.status.success(), "{}", stderr(&facts));
    let facts_path = dir.path().join("FACTS.json");
    std::fs::write(&facts_path, &facts.stdout).unwrap();

    let with_facts = dir.path().join("with-facts");
    let report = surveil(&[
        "report",
        out.join("run.json").to_str().unwrap(),
        "--facts",
        facts_path.to_str().unwrap(),
        "--out",
        with_facts.to_str().unwrap(),
    ]);
    assert!(report.status.success(), "{}", stderr(&report));
    let names = pngs(&with_facts);
    assert!(names.contains(&"returns.png".to_owned()), "{names:?}");
    assert!(names.contains(&"abs-return-acf.png".to_owned()), "{names:?}");
    let page = std::fs::read_to_string(with_facts.join("report.html")).unwrap();
    assert!(page.contains("simulated small (seed 1)"), "the session is named");

    // A results document is no facts document.
    let refused = surveil(&[
        "report",
        out.join("run.json").to_str().unwrap(),
        "--facts",
        out.join("run.json").to_str().unwrap(),
        "--out",
        with_facts.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("missing field `return_series`"), "{}", stderr(&refused));
}

#[test]
fn run_out_that_is_a_file_is_refused_before_the_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad1.json");
    std::fs::write(&file, "{}").unwrap();
    // The default scenario simulates for a long while; the refusal comes
    // first.
    let refused = surveil(&["run", "--out", file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let message = stderr(&refused);
    assert!(message.contains("bad1.json") && message.contains("not a directory"), "{message}");
    assert!(refused.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "{}");
}

#[test]
fn run_out_that_cannot_be_written_whole_writes_none_and_still_prints_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("run.json"), "an earlier run").unwrap();
    // A directory where the page goes: that one file cannot be written.
    std::fs::create_dir(out.join("report.html")).unwrap();

    let run = surveil(&["run", "small", "--seed", "2", "--json", "--out", out.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let message = stderr(&run);
    assert!(message.contains("report.html") && message.contains("is a directory"), "{message}");
    let printed: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(printed["seed"].as_u64(), Some(2), "the results are printed");

    let mut names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["report.html", "run.json"], "no file of this run, no staging directory");
    assert_eq!(std::fs::read_to_string(out.join("run.json")).unwrap(), "an earlier run");
}
