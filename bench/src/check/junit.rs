//! The gate's comparison as JUnit XML, the report format CI systems show
//! as tests: one `testsuite` per scenario, one `testcase` per detector and
//! kind (named `detector / kind`), with a `failure` when it regressed.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::CheckReport;

/// Writes the report. Text and attributes are escaped by the writer.
pub(super) fn write(report: &CheckReport) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing to a Vec cannot fail.
    let mut emit = |event: Event<'_>| {
        let _ = writer.write_event(event);
    };
    emit(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));

    let tests = report.rows.len().to_string();
    let failures = report.failures().to_string();
    let mut suites = BytesStart::new("testsuites");
    suites.push_attribute(("name", "surveil check"));
    suites.push_attribute(("tests", tests.as_str()));
    suites.push_attribute(("failures", failures.as_str()));
    emit(Event::Start(suites));

    let mut scenarios: Vec<&str> = Vec::new();
    for row in &report.rows {
        if !scenarios.contains(&row.scenario.as_str()) {
            scenarios.push(&row.scenario);
        }
    }
    for scenario in scenarios {
        let rows: Vec<_> = report.rows.iter().filter(|r| r.scenario == scenario).collect();
        let tests = rows.len().to_string();
        let failures = rows.iter().filter(|r| r.failed()).count().to_string();
        let mut suite = BytesStart::new("testsuite");
        suite.push_attribute(("name", scenario));
        suite.push_attribute(("tests", tests.as_str()));
        suite.push_attribute(("failures", failures.as_str()));
        emit(Event::Start(suite));
        for row in rows {
            let name = format!("{} / {}", row.detector, row.kind);
            let mut case = BytesStart::new("testcase");
            case.push_attribute(("name", name.as_str()));
            case.push_attribute(("classname", scenario));
            if row.failed() {
                emit(Event::Start(case));
                let message = row.reasons.join("; ");
                let mut failure = BytesStart::new("failure");
                failure.push_attribute(("message", message.as_str()));
                failure.push_attribute(("type", "regression"));
                emit(Event::Start(failure));
                emit(Event::Text(BytesText::new(&format!(
                    "{name} on {scenario} is worse than the baseline: {message}"
                ))));
                emit(Event::End(BytesEnd::new("failure")));
                emit(Event::End(BytesEnd::new("testcase")));
            } else {
                emit(Event::Empty(case));
            }
        }
        emit(Event::End(BytesEnd::new("testsuite")));
    }
    emit(Event::End(BytesEnd::new("testsuites")));
    let mut text = String::from_utf8(writer.into_inner()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::super::{BaselineScore, CheckReport, Comparison, Verdict};

    fn row(detector: &str, worse: bool) -> Comparison {
        let figures = BaselineScore {
            detector: detector.into(),
            kind: "spoofing".into(),
            ..BaselineScore::default()
        };
        Comparison {
            scenario: "small <&>".into(),
            detector: detector.into(),
            kind: "spoofing".into(),
            baseline: Some(figures.clone()),
            current: Some(figures),
            verdicts: if worse {
                [Verdict::Worse, Verdict::Same, Verdict::Same]
            } else {
                [Verdict::Same; 3]
            },
            reasons: if worse { vec!["F1 0.900 -> 0.100".into()] } else { Vec::new() },
        }
    }

    #[test]
    fn each_row_is_a_test_case_and_regressions_are_failures() {
        let report = CheckReport {
            tolerance: 0.02,
            rows: vec![row("a", false), row("b", true)],
            updated: Default::default(),
        };
        let xml = report.to_junit();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), "{xml}");
        assert!(
            xml.contains("<testsuites name=\"surveil check\" tests=\"2\" failures=\"1\">"),
            "{xml}"
        );
        assert!(
            xml.contains("<testsuite name=\"small &lt;&amp;&gt;\" tests=\"2\" failures=\"1\">"),
            "{xml}"
        );
        assert!(
            xml.contains("<testcase name=\"a / spoofing\" classname=\"small &lt;&amp;&gt;\"/>"),
            "{xml}"
        );
        assert!(
            xml.contains("<failure message=\"F1 0.900 -&gt; 0.100\" type=\"regression\">"),
            "{xml}"
        );
    }
}
