//! Temporary calibration entry point.
use indicatif::ProgressBar;
use surveil_bench::pipeline::{run, PipelineOptions};

fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| "default".into());
    let loaded = surveil_scenarios::load(&name).expect("scenario");
    let out = run(&loaded.config, Vec::new(), PipelineOptions::default(), &ProgressBar::hidden());
    eprintln!("events {} orders {} trades {} algo {:.4} wall {:?}", out.stats.events, out.stats.orders, out.stats.trades, out.stats.algo_share(), out.wall);
    let mut per = std::collections::BTreeMap::new();
    for e in &out.truth.episodes { *per.entry(e.kind).or_insert(0) += 1; }
    eprintln!("episodes {per:?} accounts {}", out.truth.accounts.len());
    let (events, _) = surveil_sim::run_to_end(&loaded.config);
    let mut kinds = std::collections::BTreeMap::new();
    let mut vol = std::collections::BTreeMap::new();
    for e in &events {
        let k = match &e.body { surveil_sim::EventBody::Accepted(_) => "acc", surveil_sim::EventBody::Rejected(r) => { *kinds.entry(format!("rej {:?}", r.reason)).or_insert(0u64) += 1; "rej" }, surveil_sim::EventBody::Cancelled(_) => "can", surveil_sim::EventBody::CancelRejected(_) => "crej", surveil_sim::EventBody::Trade(t) => {
            let c = |a: &surveil_sim::Access| match (a.channel, a.client) { (surveil_sim::Channel::Api(_), surveil_sim::Client::Unknown(_)) => "api-tool", (surveil_sim::Channel::Api(_), _) => "api-lib", _ => "retail" };
            *vol.entry(format!("i{} maker {}", t.instrument.0, c(&t.maker.access))).or_insert(0i64) += t.qty.0;
            *vol.entry(format!("i{} taker {}", t.instrument.0, c(&t.taker.access))).or_insert(0i64) += t.qty.0;
            "trade" } };
        *kinds.entry(k.to_string()).or_insert(0u64) += 1;
    }
    eprintln!("{kinds:#?}\n{vol:#?}");
}
#[allow(dead_code)]
fn diag() {}
