//! Process analysis from the event log: the OCEL 2.0 JSON export (objects:
//! process instances, documents, tasks; one event per logged step event)
//! and the figures the process page shows (touchless rate, cycle times,
//! waiting per step and per approver, rework).

use std::collections::BTreeMap;

use crate::records::{instance_state, InstanceRecord, ProcessEventRecord};

fn iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let date = kontor_core::period::date_of(kontor_core::Timestamp::from_millis(ms));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{date}T{:02}:{:02}:{:02}.{millis:03}Z",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

/// The event log as OCEL 2.0 JSON.
pub fn ocel_json(instances: &[InstanceRecord], events: &[ProcessEventRecord]) -> serde_json::Value {
    use serde_json::json;
    let mut event_types: BTreeMap<String, ()> = BTreeMap::new();
    let mut objects = Vec::new();
    let mut documents: BTreeMap<String, ()> = BTreeMap::new();
    let mut tasks: BTreeMap<String, String> = BTreeMap::new();
    for i in instances {
        documents.insert(i.subject.clone(), ());
        objects.push(json!({
            "id": format!("instance:{}", i.id),
            "type": "process_instance",
            "attributes": [
                {"name": "process", "time": iso(i.started_at.millis()), "value": i.process_key},
                {"name": "version", "time": iso(i.started_at.millis()), "value": i.version.to_string()},
                {"name": "state", "time": iso(i.updated_at.millis()), "value": i.state},
            ],
            "relationships": [{"objectId": format!("document:{}", i.subject), "qualifier": "subject"}],
        }));
    }
    let mut out_events = Vec::with_capacity(events.len());
    for e in events {
        let ty = format!("{}:{}", e.step, e.event);
        event_types.insert(ty.clone(), ());
        let mut rel = vec![json!({"objectId": format!("instance:{}", e.instance_id), "qualifier": "instance"})];
        if e.event == "task.create" {
            tasks.insert(e.detail.clone(), e.instance_id.clone());
            rel.push(json!({"objectId": format!("task:{}", e.detail), "qualifier": "created"}));
        }
        out_events.push(json!({
            "id": e.id,
            "type": ty,
            "time": iso(e.at.millis()),
            "attributes": [
                {"name": "actor", "value": e.actor},
                {"name": "automated", "value": e.automated.to_string()},
                {"name": "outcome", "value": e.outcome.clone().unwrap_or_default()},
                {"name": "detail", "value": e.detail},
            ],
            "relationships": rel,
        }));
    }
    for d in documents.keys() {
        objects.push(json!({"id": format!("document:{d}"), "type": "document", "attributes": [], "relationships": []}));
    }
    for (t, inst) in &tasks {
        objects.push(json!({
            "id": format!("task:{t}"), "type": "task", "attributes": [],
            "relationships": [{"objectId": format!("instance:{inst}"), "qualifier": "of"}],
        }));
    }
    let attr = |names: &[&str]| -> Vec<serde_json::Value> {
        names.iter().map(|n| json!({"name": n, "type": "string"})).collect()
    };
    json!({
        "objectTypes": [
            {"name": "process_instance", "attributes": attr(&["process", "version", "state"])},
            {"name": "document", "attributes": []},
            {"name": "task", "attributes": []},
        ],
        "eventTypes": event_types.keys().map(|t| json!({"name": t, "attributes": attr(&["actor", "automated", "outcome", "detail"])})).collect::<Vec<_>>(),
        "objects": objects,
        "events": out_events,
    })
}

/// What a process's log says.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Figures {
    pub instances: u64,
    pub done: u64,
    /// Done without any person touching it.
    pub touchless: u64,
    pub touchless_permille: u64,
    pub cycle_p50_ms: i64,
    pub cycle_p95_ms: i64,
    /// (step, tasks, average wait until done in ms).
    pub waiting_per_step: Vec<(String, u64, i64)>,
    /// (person, tasks done, average wait in ms).
    pub waiting_per_person: Vec<(String, u64, i64)>,
    /// Instances that ran a step more than once.
    pub rework: u64,
    pub incidents: u64,
}

/// The `p`-th percentile (nearest rank) of sorted values; 0 if empty.
pub fn percentile(sorted: &[i64], p: usize) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = (sorted.len() * p).div_ceil(100).saturating_sub(1).min(sorted.len() - 1);
    sorted[i]
}

pub fn figures(instances: &[InstanceRecord], events: &[ProcessEventRecord]) -> Figures {
    let mut f = Figures {
        instances: instances.len() as u64,
        ..Figures::default()
    };
    let mut cycles = Vec::new();
    for i in instances {
        if i.state == instance_state::DONE {
            f.done += 1;
            if !i.data.touched_by_person {
                f.touchless += 1;
            }
            if let Some(end) = i.data.ended_at {
                cycles.push(end - i.started_at.millis());
            }
        }
    }
    cycles.sort_unstable();
    f.cycle_p50_ms = percentile(&cycles, 50);
    f.cycle_p95_ms = percentile(&cycles, 95);
    f.touchless_permille = (f.touchless * 1000).checked_div(f.done).unwrap_or(0);
    // Waiting: from a task's creation to the person's step end.
    let mut open: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut per_step: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    let mut per_person: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    let mut starts: BTreeMap<(String, String), u32> = BTreeMap::new();
    for e in events {
        match e.event.as_str() {
            "task.create" => {
                open.insert((e.instance_id.clone(), e.step.clone()), e.at.millis());
            }
            "step.end" | "approval" if !e.automated => {
                if let Some(t0) = open.get(&(e.instance_id.clone(), e.step.clone())) {
                    let w = e.at.millis() - t0;
                    let s = per_step.entry(e.step.clone()).or_default();
                    s.0 += 1;
                    s.1 += w;
                    let p = per_person.entry(e.actor.clone()).or_default();
                    p.0 += 1;
                    p.1 += w;
                }
                if e.event == "step.end" {
                    open.remove(&(e.instance_id.clone(), e.step.clone()));
                }
            }
            "step.start" => {
                *starts.entry((e.instance_id.clone(), e.step.clone())).or_default() += 1;
            }
            "incident" => f.incidents += 1,
            _ => {}
        }
    }
    let mut reworked: BTreeMap<String, ()> = BTreeMap::new();
    for ((i, _), n) in starts {
        if n > 1 {
            reworked.insert(i, ());
        }
    }
    f.rework = reworked.len() as u64;
    let avg = |(n, sum): (u64, i64)| if n > 0 { sum / i64::try_from(n).unwrap_or(1) } else { 0 };
    f.waiting_per_step = per_step.into_iter().map(|(k, v)| (k, v.0, avg(v))).collect();
    f.waiting_per_person = per_person.into_iter().map(|(k, v)| (k, v.0, avg(v))).collect();
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_iso_utc() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(1_764_000_000_123), "2025-11-24T16:00:00.123Z");
    }
}
