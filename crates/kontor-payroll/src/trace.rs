//! The explanation trace: every intermediate value of a calculation with
//! its name, the rule or PAP step that produced it and the inputs it used,
//! so a payslip can answer "why this number".

use serde::Serialize;

use crate::dec::Dec;
use crate::params::{Param, Status};

/// One traced value.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// What the value is, e.g. `kv.employee`.
    pub name: String,
    pub value: Dec,
    /// The rule: a statute, a PAP method, or a formula in words.
    pub rule: String,
    /// The values it was computed from: names of earlier steps, inputs or
    /// parameters, with their values.
    pub inputs: Vec<(String, String)>,
}

/// A parameter a calculation used, with its provenance.
#[derive(Clone, Debug, Serialize)]
pub struct UsedParam {
    pub key: String,
    pub value: Dec,
    pub status: Status,
    pub source: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Trace {
    pub steps: Vec<Step>,
    /// Every parameter used, once, with its status (`unconfirmed` ones stay visible).
    pub params: Vec<UsedParam>,
}

impl Trace {
    /// Records a value and returns it.
    pub fn step(&mut self, name: &str, value: Dec, rule: &str, inputs: &[(&str, Dec)]) -> Dec {
        self.steps.push(Step {
            name: name.into(),
            value,
            rule: rule.into(),
            inputs: inputs.iter().map(|(k, v)| ((*k).to_string(), v.to_string())).collect(),
        });
        value
    }

    /// Records that a parameter was used and returns its value.
    pub fn param(&mut self, p: Param) -> Dec {
        if !self.params.iter().any(|u| u.key == p.key) {
            self.params.push(UsedParam {
                key: p.key,
                value: p.value,
                status: p.status,
                source: p.source,
            });
        }
        p.value
    }

    /// The value of a step by name (the last one of that name).
    pub fn value(&self, name: &str) -> Option<Dec> {
        self.steps.iter().rev().find(|s| s.name == name).map(|s| s.value)
    }
}
